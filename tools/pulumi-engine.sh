#!/usr/bin/env bash
# Provide the Pulumi engine binaries this project needs, built from Go modules only.
#
#   tools/pulumi-engine.sh            print the directory holding the binaries (build it first if needed)
#   tools/pulumi-engine.sh --built    print it if the engine is built, or say in one line what builds it (exit 1)
#
# The directory holds `pulumi`, `pulumi-language-python`, `pulumi-language-python-exec` and
# `pulumi-resource-kubernetes`. An ordinary Pulumi install on PATH whose version equals PULUMI_VERSION is used
# as it is (its kubernetes plugin then comes from the usual plugin cache). Otherwise everything is built into a
# cache outside the repository, keyed by the versions below, so that later runs take a second.
#
# Why these versions (see README, "The Pulumi engine"): the Go module mirror reachable here serves
# pulumi/pkg/v3 up to v3.259.0, the Python language host only while it still lived inside the sdk/v3 module
# (last there in v3.79.0), and the kubernetes provider at its v4.25.0 release commit. The language host's
# gRPC protocol is stable and it runs the exec script of the pinned SDK, which accepts the older host's arguments.
# Two places where this engine speaks a newer protocol than that host are patched (tools/python-langhost/): running a
# source-based plugin (a folder with PulumiPlugin.yaml, such as the component provider in provider/), and installing
# dependencies, which must not turn the folder into a virtual environment. The patch is keyed on its own, so that
# changing it rebuilds the host alone (seconds) rather than the engine.
set -euo pipefail
shopt -s inherit_errexit

root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-system-packages.sh" --for tools/pulumi-engine.sh
# shellcheck source=versions.env
source "$root/tools/versions.env"
LANGHOST_SDK_VERSION=$PULUMI_LANGHOST_SDK_VERSION
K8S_VERSION=$PULUMI_KUBERNETES_VERSION
K8S_PROVIDER_PSEUDO=$PULUMI_KUBERNETES_PROVIDER_PSEUDO
K8S_SDK_FOR_REPLACE=$PULUMI_KUBERNETES_SDK_FOR_REPLACE

log() { echo "pulumi-engine: $*" >&2; }

ambient=$(command -v pulumi 2>/dev/null || true)
if [ -n "$ambient" ] && [ "$("$ambient" version 2>/dev/null || true)" = "v$PULUMI_VERSION" ]; then
  dirname "$ambient"
  exit 0
fi

cache_root=${DJANGO_OBSERVABILITY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/django-observability}
key="pulumi-$PULUMI_VERSION-langhost-$LANGHOST_SDK_VERSION-k8s-$K8S_VERSION"
bin="$cache_root/$key/bin"
langhost_patch=$(cat "$root"/tools/python-langhost/* | sha256sum | cut -c1-12)
built() { [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-resource-kubernetes" ] && [ -f "$bin/pulumi-language-python-exec" ]; }
langhost_built() {  # the host is built, from the patch as it is now
  local recorded=""
  [ -x "$bin/pulumi-language-python" ] && [ -f "$bin/pulumi-language-python.patch" ] \
    && read -r recorded <"$bin/pulumi-language-python.patch" && [ "$recorded" = "$langhost_patch" ]
}
if built && langhost_built; then
  echo "$bin"
  exit 0
fi
if [ "${1:-}" = --built ]; then
  log "the Pulumi engine is not built: tools/build-all.sh engine builds it (make tools builds every part)"
  exit 1
fi

# Two callers wait for each other instead of building twice into one folder.
mkdir -p "$cache_root"
exec 9>"$cache_root/$key.lock"
flock 9
if built && langhost_built; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { log "Go is required to build the Pulumi engine (no prebuilt binary can be fetched)"; exit 1; }
export GOWORK=off CGO_ENABLED=0 GOFLAGS="-modcacherw -mod=mod" GOTOOLCHAIN=local
# The checksum database does not know the untagged provider commits; their go.sum pins every dependency.
export GONOSUMDB=github.com/pulumi/pulumi-kubernetes
work="$cache_root/$key/src"
rm -rf "$work"; mkdir -p "$work" "$bin"

moddir() { go mod download -json "$1" | python3 -c 'import json,sys;d=json.load(sys.stdin);e=d.get("Error");print(d["Dir"]) if not e else sys.exit(e)'; }
copymod() {  # copymod MODULE@VERSION DIR: a writable copy of a module from the module cache
  local dir
  dir=$(moddir "$1")
  rm -rf "$2"; mkdir -p "$(dirname "$2")"; cp -r "$dir" "$2"; chmod -R u+w "$2"
}
started=$(date +%s)
estimate=$(awk '$1 == "engine" {print $2}' "$root/tools/build-seconds.txt")
step() { log "[$(date +%H:%M:%S)] $* ($(( $(date +%s) - started ))s of about ${estimate}s cold, measured: tools/build-seconds.txt)"; }

build_langhost() {
  step "building pulumi-language-python from sdk/v3 v$LANGHOST_SDK_VERSION, patched"
  copymod "github.com/pulumi/pulumi/sdk/v3@v$LANGHOST_SDK_VERSION" "$work/langhost"
  (cd "$work/langhost" && git apply -p1 "$root/tools/python-langhost/main.go.patch")
  cp "$root/tools/python-langhost/program_info.go" "$work/langhost/python/cmd/pulumi-language-python/"
  (cd "$work/langhost" && go build -trimpath -tags osusergo \
     -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LANGHOST_SDK_VERSION" \
     -o "$bin/pulumi-language-python.new" ./python/cmd/pulumi-language-python)
  mv "$bin/pulumi-language-python.new" "$bin/pulumi-language-python"  # a running host keeps its own file
  echo "$langhost_patch" >"$bin/pulumi-language-python.patch"
}

if built; then  # only the language host's patch changed
  build_langhost
  rm -rf "$work"
  step "done: $bin"
  echo "$bin"
  exit 0
fi

step "downloading pulumi sdk/pkg v$PULUMI_VERSION"
copymod "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" "$work/pulumi/sdk"
copymod "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "$work/pulumi/pkg"
version_flags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
step "building pulumi"
(cd "$work/pulumi/pkg" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$version_flags" -o "$bin/pulumi" ./cmd/pulumi)

build_langhost
install -m 0755 "$work/pulumi/sdk/python/cmd/pulumi-language-python-exec" "$bin/"

step "downloading pulumi-kubernetes provider $K8S_VERSION"
copymod "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_PSEUDO" "$work/k8s/provider"
copymod "github.com/pulumi/pulumi-kubernetes/sdk/v4@$K8S_SDK_FOR_REPLACE" "$work/k8s/sdk"
step "generating the provider schema"
(cd "$work/k8s/provider/cmd/pulumi-resource-kubernetes" && VERSION=$K8S_VERSION go run ./generate.go)
step "building pulumi-resource-kubernetes"
(cd "$work/k8s/provider" && go build -trimpath \
   -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_VERSION" \
   -o "$bin/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes)

rm -rf "$work"
seconds=$(( $(date +%s) - started ))
echo "$seconds" >"$cache_root/$key/build-seconds"   # read by `tools/build-all.sh --measured`
log "[$(date +%H:%M:%S)] built in ${seconds}s: $bin"
echo "$bin"
