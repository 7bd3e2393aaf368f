"""A real Prometheus on 127.0.0.1 with a given config, and its HTTP API."""
import json
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

from localrun.processes import HOST, Process, free_port_block, http, wait_until
from localrun.tools import require_binary


class Prometheus:
    """A real Prometheus on 127.0.0.1 with the given config; `query` asks its HTTP API."""

    def __init__(self, config_path: Path, workdir: Path, stack: ExitStack):
        self.port = free_port_block(1)
        binary = require_binary("prometheus")
        self.process = stack.enter_context(Process("prometheus", [
            binary, f"--config.file={config_path}", f"--storage.tsdb.path={workdir / 'tsdb'}",
            f"--web.listen-address={HOST}:{self.port}", "--web.enable-lifecycle", "--log.level=warn",
        ], workdir))
        wait_until(lambda: http(f"{self.url}/-/ready")[0] == 200, "Prometheus to be ready", timeout=60)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def api(self, path: str, **params) -> dict | list:
        status, body = http(f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}")
        payload = json.loads(body)
        if status != 200 or payload.get("status") != "success":
            raise RuntimeError(f"Prometheus {path} {params}: {status} {payload}")
        return payload["data"]

    def query(self, expr: str) -> list[dict]:
        return self.api("query", query=expr)["result"]

    def scalar(self, expr: str) -> float | None:
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def range_values(self, expr: str, start: float, end: float, step: str = "1s") -> list[float]:
        """Every value of every series of `expr` evaluated from `start` to `end`."""
        result = self.api("query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step=step)["result"]
        return [float(value) for series in result for _, value in series["values"]]

    def active_targets(self) -> list[dict]:
        return self.api("targets", state="active")["activeTargets"]
