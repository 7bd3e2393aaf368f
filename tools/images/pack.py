"""Pack a root filesystem folder into a `docker save` archive, without a registry or a Docker daemon.

The archive (one layer, a config, a manifest naming the tag) loads with `ctr -n k8s.io images import` on a
containerd node and with `docker load` on a Docker engine, so one builder serves the Kubernetes and the Swarm runs.

    python3 tools/images/pack.py ROOTFS TAG ARCHIVE [--entrypoint JSON] [--cmd JSON] [--user UID:GID]
                                 [--env K=V ...] [--workdir DIR] [--expose PORT[/PROTO] ...]
"""
import argparse
import hashlib
import io
import json
import os
import tarfile
import tempfile
from pathlib import Path


# File capabilities (e.g. cap_net_bind_service on a non-root DNS server) travel as this PAX record, which
# containerd and Docker apply as the extended attribute when they unpack the layer.
_CAPABILITY = "security.capability"


def _capability(path: Path) -> str | None:
    try:
        value = os.getxattr(path, _CAPABILITY, follow_symlinks=False)
    except OSError:  # no capability set, or a file system without extended attributes
        return None
    return value.decode("utf-8", "surrogateescape")  # tarfile writes it back byte for byte (hdrcharset=BINARY)


def _layer(rootfs: Path, out: Path) -> str:
    """Write the layer tar with numeric owners and fixed times (so equal input gives an equal digest)."""
    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime = 0
        info.uname = info.gname = ""
        if info.isfile() and (capability := _capability(rootfs / info.name)) is not None:
            info.pax_headers = {**info.pax_headers, f"SCHILY.xattr.{_CAPABILITY}": capability}
        return info

    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for entry in sorted(os.listdir(rootfs)):
            tar.add(rootfs / entry, arcname=entry, filter=normalise)
    digest = hashlib.sha256()
    with open(out, "rb") as layer:
        for block in iter(lambda: layer.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def pack(rootfs: Path, tag: str, archive: Path, image_config: dict) -> None:
    with tempfile.TemporaryDirectory() as work:
        layer = Path(work) / "layer.tar"
        diff_id = _layer(rootfs, layer)
        config = json.dumps({
            "architecture": "amd64", "os": "linux", "config": image_config,
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created_by": "django-observability tools/images/pack.py"}],
        }, sort_keys=True).encode()
        config_name = hashlib.sha256(config).hexdigest() + ".json"
        manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": ["layer/layer.tar"]}]).encode()
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(layer, arcname="layer/layer.tar")
            for name, data in ((config_name, config), ("manifest.json", manifest)):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        partial.rename(archive)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rootfs", type=Path)
    parser.add_argument("tag")
    parser.add_argument("archive", type=Path)
    parser.add_argument("--entrypoint", type=json.loads)
    parser.add_argument("--cmd", type=json.loads)
    parser.add_argument("--user")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--workdir")
    parser.add_argument("--expose", action="append", default=[])
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", *args.env])
    image_config = {"Env": [f"{key}={value}" for key, value in env.items()]}
    for key, value in (("Entrypoint", args.entrypoint), ("Cmd", args.cmd), ("User", args.user),
                       ("WorkingDir", args.workdir)):
        if value:
            image_config[key] = value
    if args.expose:
        image_config["ExposedPorts"] = {port if "/" in port else f"{port}/tcp": {} for port in args.expose}
    pack(args.rootfs, args.tag, args.archive, image_config)


if __name__ == "__main__":
    main()
