"""Before a Swarm deployment: a Docker engine must answer at the stack's dockerHost. Checked before anything is
registered, so an unreachable Swarm changes nothing (the provider would otherwise fail after recording resources)."""
import socket
from urllib.parse import urlsplit


def problem(docker_host: str, timeout: float = 5) -> str | None:
    """Why no Docker engine answers `GET /_ping` at a unix:// or tcp:// endpoint, or None when one does (ssh:// is
    left to the provider). Checked before anything is registered, so an unreachable Swarm changes nothing."""
    url = urlsplit(docker_host)
    if url.scheme == "unix":
        family, address = socket.AF_UNIX, url.path
    elif url.scheme == "tcp":
        family, address = socket.AF_INET, (url.hostname, url.port or 2375)
    else:
        return None
    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(address)
            connection.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            status = connection.recv(64).split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as error:
        return f"cannot reach a Docker engine there ({error.strerror or error})"
    if " 200 " not in f"{status} ":
        return f"cannot reach a Docker engine there (it answered {status!r} to GET /_ping)"
    return None
