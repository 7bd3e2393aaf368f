"""Timestamped progress lines and bounded waits, shared by every step."""
import sys
import time
from typing import Callable


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def wait_for(what: str, check: Callable[[], bool], timeout: float, interval: float = 0.5) -> None:
    """Poll `check` until it returns true; raise with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - a check that raises is simply not ready yet
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
