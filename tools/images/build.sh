#!/usr/bin/env bash
# The container images of the local Kubernetes cluster and the local Swarm, built without a registry or a Docker
# daemon, as `docker save` archives (load with `ctr -n k8s.io images import` or `docker load`):
#   tools/images/build.sh NAME...      print each image's archive, one a line, building it first if missing
#   tools/images/build.sh --tag NAME   print the image reference NAME is saved under
#   tools/images/build.sh --names      print the image names
#   tools/images/build.sh --built NAME...   print each archive if it is built, or say in one line what builds it
#   tools/images/build.sh --units NAME print the tools/go-tool.sh units whose binaries the image packs
# Archives live in a cache outside the repository, keyed by the image's inputs: the version it packs (or a content
# hash of app/ for the Django app) and a content hash of this folder (the recipes). A cached image takes a second.
# Two callers building one image wait for each other (flock). Building needs root (file owners, chroot). Each build
# records its seconds beside the archive (ARCHIVE.seconds, for `tools/build-all.sh --measured`); its estimate comes
# from tools/build-seconds.txt. A failed step stops the build with its cause.
set -euo pipefail
shopt -s inherit_errexit
umask 022
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
"$root/tools/install-system-packages.sh" --for tools/images/build.sh
# shellcheck source=../versions.env
source "$root/tools/versions.env"
cache=${DJANGO_OBSERVABILITY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/django-observability}/images
NAMES="pause netcheck prometheus alertmanager prometheus-config-reloader coredns django-app"
DEBIAN_SUITE=bookworm

log() { echo "images: [$(date +%H:%M:%S)] $*" >&2; }

# A deterministic tar stream of a folder (sorted, numeric owners, no times, no bytecode): what its hash covers and,
# for app/, exactly what the image gets.
tree_tar() {
  (cd "$1" && find . \( -name __pycache__ -o -name '*.pyc' \) -prune -o \( -type f -o -type l \) -print | LC_ALL=C sort \
    | tar --no-recursion --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - -T -)
}
tree_hash() { tree_tar "$1" | sha256sum | cut -c1-12; }

# Prometheus 3 is published as Go module v0.3XY.Z: v0.310.0 is Prometheus 3.10.0.
prometheus_release() { local rest=${1#v0.3}; echo "v3.$((10#${rest%%.*})).${rest#*.}"; }

tag() {
  local part
  case "$1" in
    pause) echo "django-observability/pause:$PAUSE_VERSION" ;;
    netcheck) echo "django-observability/netcheck:$NETCHECK_VERSION" ;;
    prometheus) part=$(prometheus_release "$PROMETHEUS_VERSION"); echo "prom/prometheus:$part" ;;
    alertmanager) echo "prom/alertmanager:$ALERTMANAGER_VERSION" ;;
    prometheus-config-reloader) echo "django-observability/prometheus-config-reloader:$PROMETHEUS_OPERATOR_VERSION" ;;
    coredns) echo "django-observability/coredns:$COREDNS_VERSION" ;;
    django-app) part=$(tree_hash "$root/app"); echo "django-observability/django-app:local-$part" ;;
    *) echo "images: unknown image $1 (one of: $NAMES)" >&2; exit 2 ;;
  esac
}

go_tool() { "$root/tools/go-tool.sh" "$1"; }
# The Go units each image packs binaries of (none: the image needs no unit).
units() {
  case "$1" in
    prometheus) echo prometheus ;;
    alertmanager) echo alertmanager ;;
    prometheus-config-reloader) echo prometheus-operator ;;
    coredns) echo coredns ;;
  esac
}
binaries() {  # binaries DIR NAME...: copy each built binary into DIR, stopping at the first that cannot be built
  local dir=$1 name path
  shift
  for name in "$@"; do
    path=$(go_tool "$name")
    cp "$path" "$dir/"
  done
}

# The files every image has: the users its processes run as, name lookup through /etc/hosts first, a /tmp.
base_files() {
  mkdir -p "$1/etc" "$1/tmp"
  chmod 1777 "$1/tmp"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' >"$1/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' 'nogroup:x:65534:' >"$1/etc/group"
  echo 'hosts: files dns' >"$1/etc/nsswitch.conf"
}

# A static binary of a Go program in this folder (its own module, standard library only).
go_program() {  # go_program DIR OUT
  (cd "$1" && GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$2" .)
}

# An owned, writable data folder of a monitoring image.
data_dir() { mkdir -p "$1"; chown 65534:65534 "$1"; }

pack() {  # pack ROOTFS NAME ARCHIVE [pack.py options]
  local rootfs=$1 name=$2 archive=$3 reference; shift 3
  reference=$(tag "$name")
  python3 "$here/pack.py" "$rootfs" "$reference" "$archive" "$@"
}

build_pause() {
  base_files "$1"
  printf 'pause:x:65535:65535:pause:/nonexistent:/sbin/nologin\n' >>"$1/etc/passwd"
  go_program "$here/pause" "$1/pause"
  pack "$1" pause "$2" --entrypoint '["/pause"]' --user 65535:65535
}

build_netcheck() {
  base_files "$1"
  mkdir -p "$1/bin"
  go_program "$here/netcheck" "$1/bin/netcheck"
  pack "$1" netcheck "$2" --entrypoint '["/bin/netcheck"]' --user 65534:65534
}

build_prometheus() {
  base_files "$1"
  mkdir -p "$1/bin" "$1/etc/prometheus"
  binaries "$1/bin" prometheus promtool
  printf '%s\n' 'global: {scrape_interval: 15s}' 'scrape_configs:' '  - job_name: prometheus' \
    '    static_configs: [{targets: ["localhost:9090"]}]' >"$1/etc/prometheus/prometheus.yml"
  data_dir "$1/prometheus"
  pack "$1" prometheus "$2" --entrypoint '["/bin/prometheus"]' --user 65534:65534 --workdir /prometheus --expose 9090 \
    --cmd '["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'
}

build_alertmanager() {
  base_files "$1"
  mkdir -p "$1/bin" "$1/etc/alertmanager"
  binaries "$1/bin" alertmanager amtool
  printf '%s\n' 'route: {receiver: "null"}' 'receivers: [{name: "null"}]' >"$1/etc/alertmanager/alertmanager.yml"
  data_dir "$1/alertmanager"
  pack "$1" alertmanager "$2" --entrypoint '["/bin/alertmanager"]' --user 65534:65534 --workdir /alertmanager \
    --expose 9093 --cmd '["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]'
}

build_prometheus-config-reloader() {
  base_files "$1"
  mkdir -p "$1/bin"
  binaries "$1/bin" prometheus-config-reloader
  pack "$1" prometheus-config-reloader "$2" --entrypoint '["/bin/prometheus-config-reloader"]' --user 65534:65534
}

build_coredns() {
  base_files "$1"
  binaries "$1" coredns
  # As upstream: a non-root server that may still bind port 53, through a file capability.
  setcap cap_net_bind_service=+ep "$1/coredns"
  pack "$1" coredns "$2" --entrypoint '["/coredns"]' --user 65532:65532 --expose 53 --expose 53/udp
}

# The Debian root filesystem under the Django app: minbase plus python3 and venv, as a tarball keyed by suite.
debian_base() {
  local tarball="$cache/base/debian-$DEBIAN_SUITE-minbase-python3.tar" base mirror started
  if [ ! -f "$tarball" ]; then
    mkdir -p "$cache/base"
    exec 8>"$tarball.lock"
    flock 8
    if [ ! -f "$tarball" ]; then
      mirror=$(python3 "$here/apt_mirror.py" "$DEBIAN_SUITE")
      base="$work/base"  # inside the image's build folder, removed with it
      mkdir "$base"
      started=$(date +%s)
      log "debootstrap --variant=minbase $DEBIAN_SUITE with python3 (about 120 s cold)"
      debootstrap --variant=minbase --include=python3,python3-venv "$DEBIAN_SUITE" "$base/rootfs" "$mirror" \
        >"$base/debootstrap.log" 2>&1 || { tail -20 "$base/debootstrap.log" >&2; exit 1; }
      # No package manager state, no device nodes (the runtime provides /dev), no record of this machine's mirror.
      rm -rf "$base/rootfs"/var/lib/apt/lists/* "$base/rootfs"/var/cache/apt/* "$base/rootfs"/dev/* \
        "$base/rootfs"/etc/apt/sources.list "$base/rootfs"/var/log/*
      tar --numeric-owner -C "$base/rootfs" -cf "$tarball.partial" .
      mv "$tarball.partial" "$tarball"
      rm -rf "$base"
      log "Debian base built in $(( $(date +%s) - started ))s"
    fi
    exec 8>&-
  fi
  echo "$tarball"
}

build_django-app() {
  local rootfs=$1 base python
  base=$(debian_base)
  tar --numeric-owner -xpf "$base" -C "$rootfs"
  python=$(chroot "$rootfs" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  # Wheels are fetched by this machine's pip (its index and certificates); the image's pip installs them offline.
  log "django-app: the venv from app/requirements.txt (about 15 s)"
  python3 -m pip download -q --disable-pip-version-check --only-binary=:all: --python-version "$python" \
    -r "$root/app/requirements.txt" -d "$rootfs/tmp/wheels" >&2
  cp "$root/app/requirements.txt" "$rootfs/tmp/requirements.txt"
  chroot "$rootfs" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root PIP_NO_CACHE_DIR=1 sh -ec \
    'python3 -m venv /opt/venv
     /opt/venv/bin/pip install -q --disable-pip-version-check --no-index --find-links /tmp/wheels -r /tmp/requirements.txt' >&2
  rm -rf "$rootfs/tmp/wheels" "$rootfs/tmp/requirements.txt"
  mkdir -p "$rootfs/app"
  tree_tar "$root/app" | tar -xf - -C "$rootfs/app"
  echo 'django:x:10001:10001:django:/nonexistent:/usr/sbin/nologin' >>"$rootfs/etc/passwd"
  echo 'django:x:10001:' >>"$rootfs/etc/group"
  pack "$rootfs" django-app "$2" --entrypoint '["./entrypoint.sh"]' --user 10001:10001 --workdir /app --expose 5000 \
    --env PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env PYTHONDONTWRITEBYTECODE=1 --env PYTHONUNBUFFERED=1 --env DJANGO_DB_PATH=/tmp/reference-app.sqlite3
}

measured() { awk -v part="image:$1" '$1 == part {print $2}' "$root/tools/build-seconds.txt"; }

archive_path() {  # the archive of image NAME, keyed by its inputs: version or app/, the units it packs, the recipes
  local name=$1 key recipes unit unit_key
  case "$name" in
    django-app) key=$(tree_hash "$root/app") ;;
    *) key=$(tag "$name"); key=${key##*:} ;;
  esac
  for unit in $(units "$name"); do
    unit_key=$("$root/tools/go-tool.sh" --key "$unit")
    [ "$unit_key" = "$key" ] || key+="-$unit_key"
  done
  recipes=$(tree_hash "$here")
  echo "$cache/$name-$key-$recipes.tar"
}

archive() {  # print the archive of image NAME, building it first if missing
  local name=$1 started archive reference seconds
  archive=$(archive_path "$name")
  if [ ! -f "$archive" ]; then
    mkdir -p "$cache"
    exec 9>"$archive.lock"
    flock 9
    if [ ! -f "$archive" ]; then
      [ "$(id -u)" = 0 ] || { echo "images: building $name needs root (file owners, chroot)" >&2; exit 1; }
      work=$(mktemp -d "$cache/.build-$name-XXXXXX")
      trap 'rm -rf "$work"' EXIT
      started=$(date +%s)
      reference=$(tag "$name")
      seconds=$(measured "$name")
      log "building $name as $reference (about ${seconds}s cold, measured: tools/build-seconds.txt)"
      mkdir -m 755 "$work/rootfs"
      "build_$name" "$work/rootfs" "$archive"
      rm -rf "$work"
      trap - EXIT
      seconds=$(( $(date +%s) - started ))
      echo "$seconds" >"$archive.seconds"
      log "built $name in ${seconds}s: $archive"
    fi
    exec 9>&-
  fi
  echo "$archive"
}

case "${1:-}" in
  --names) tr ' ' '\n' <<<"$NAMES" ;;
  --tag) tag "${2:?usage: tools/images/build.sh --tag NAME}" ;;
  --units) tag "${2:?usage: tools/images/build.sh --units NAME}" >/dev/null; units "$2" ;;
  --built)
    shift
    for name in "$@"; do
      tag "$name" >/dev/null
      path=$(archive_path "$name")
      [ -f "$path" ] || { echo "images: $name is not built: tools/build-all.sh image:$name builds it" >&2; exit 1; }
      echo "$path"
    done ;;
  ""|-*) echo "usage: tools/images/build.sh NAME... | --built NAME... | --tag NAME | --units NAME | --names   (names: $NAMES)" >&2; exit 2 ;;
  *) for name in "$@"; do tag "$name" >/dev/null; archive "$name"; done ;;
esac
