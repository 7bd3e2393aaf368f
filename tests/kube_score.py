"""kube-score as the gates run it: every optional check enabled, a warning failing the run, nothing ignored for a
whole run (an object carries its own ignores)."""
import subprocess

from localrun.tools import go_tool



def score(files) -> subprocess.CompletedProcess:
    return subprocess.run([go_tool("kube-score"), "score", "--all-default-optional", "--exit-one-on-warning",
                           "--output-format", "ci", *map(str, files)], capture_output=True, text=True, timeout=120)


def findings(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(("[CRITICAL]", "[WARNING]"))]
