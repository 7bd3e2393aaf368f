#!/usr/bin/env bash
# Print the path of a tool built from its Go module, building it into a cache outside the repository first:
#   tools/go-tool.sh promtool | helm | actionlint
# Each is built inside a copy of its own module (with its own go.mod and go.sum), which also works where the
# module's replace or exclude directives rule out `go install`.
set -euo pipefail
case "${1:-}" in
  # Debian's promtool leaves out Kubernetes discovery; this one checks what prometheus-operator generates.
  # v0.310.0 (Prometheus 3.10) is the newest whose dependencies the module mirror serves.
  promtool)   module=github.com/prometheus/prometheus; version=v0.310.0; package=./cmd/promtool ;;
  helm)       module=helm.sh/helm/v3;                  version=v3.19.5;  package=./cmd/helm ;;
  actionlint) module=github.com/rhysd/actionlint;      version=v1.7.12;  package=./cmd/actionlint ;;
  *) echo "usage: tools/go-tool.sh promtool|helm|actionlint" >&2; exit 2 ;;
esac
cache_root=${DJANGO_OBSERVABILITY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/django-observability}
bin="$cache_root/$1-$version/$1"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "go-tool: Go is required to build $1" >&2; exit 1; }
export GOWORK=off CGO_ENABLED=0 GOFLAGS="-modcacherw -mod=mod" GOTOOLCHAIN=local
echo "go-tool: building $1 from $module@$version" >&2
src=$(go mod download -json "$module@$version" | python3 -c 'import json,sys;print(json.load(sys.stdin)["Dir"])')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/module" && chmod -R u+w "$work/module"
mkdir -p "$(dirname "$bin")"
(cd "$work/module" && go build -trimpath -o "$bin.tmp" "$package")
mv "$bin.tmp" "$bin"
echo "$bin"
