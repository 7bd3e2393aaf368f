#!/usr/bin/env bash
# Print the path of an upstream promtool, built from the Prometheus Go module into a cache outside the repository.
# Debian's promtool leaves out Kubernetes service discovery, so it cannot check the scrape configuration that
# prometheus-operator generates (kubernetes_sd_configs); this one can.
set -euo pipefail
PROMETHEUS_MODULE_VERSION=v0.310.0   # Prometheus 3.10: the newest whose dependencies the module mirror serves
cache_root=${DJANGO_OBSERVABILITY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/django-observability}
bin="$cache_root/promtool-$PROMETHEUS_MODULE_VERSION/promtool"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "upstream-promtool: Go is required" >&2; exit 1; }
export GOWORK=off CGO_ENABLED=0 GOFLAGS="-modcacherw -mod=mod" GOTOOLCHAIN=local
echo "upstream-promtool: building promtool from github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION" >&2
src=$(go mod download -json "github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION" \
      | python3 -c 'import json,sys;print(json.load(sys.stdin)["Dir"])')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Built inside its own module (its replace and exclude directives rule out `go install`).
cp -r "$src" "$work/prometheus" && chmod -R u+w "$work/prometheus"
mkdir -p "$(dirname "$bin")"
(cd "$work/prometheus" && go build -trimpath -o "$bin.tmp" ./cmd/promtool)
mv "$bin.tmp" "$bin"
echo "$bin"
