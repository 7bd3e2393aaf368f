"""Timestamped progress lines and bounded waits, shared by the local cluster, the local runtime and the tests."""
import sys
import time
from typing import Callable


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def wait_until(check: Callable, what: str, timeout: float = 30.0, interval: float = 0.2):
    """Call `check` until it returns a truthy value, at most `timeout` seconds; its last value is returned."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as error:  # the thing may not be up yet: keep the reason for the timeout message
            last_error = error
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))
