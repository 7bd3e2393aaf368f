#!/usr/bin/env bash
# Print the path of a binary built from its Go module, building its unit into a cache outside the repository first:
#   tools/go-tool.sh BINARY          e.g. tools/go-tool.sh promtool, tools/go-tool.sh kube-apiserver
#   tools/go-tool.sh --unit UNIT     build one unit (several binaries at once) and print its directory
#   tools/go-tool.sh --built BINARY  print the path of a built binary and build nothing: one line naming what builds
#                                    it when it is missing (what deployment steps use; --built --unit UNIT likewise)
#   tools/go-tool.sh --units         list the units with their measured cold build seconds (tools/build-seconds.txt)
#   tools/go-tool.sh --key UNIT      print the unit's cache key (its version, and what else it is built from)
# Versions come from tools/versions.env; the cache is keyed by unit and version, so a built unit takes a second.
# A unit is built inside a copy of its module (with its own go.mod and go.sum), or, where the module's replace
# directives point at folders its zip lacks (Kubernetes, prometheus-operator), inside a small wrapper module that
# pins the replaced modules to released versions. Two callers building one unit wait for each other (flock).
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-system-packages.sh" --for tools/go-tool.sh
# shellcheck source=versions.env
source "$root/tools/versions.env"
cache_root=${DJANGO_OBSERVABILITY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/django-observability}
# CoreDNS with only the plugins the local cluster's Corefile uses (localcluster/manifests/coredns.yaml; a test
# keeps the two equal), in upstream's order: keyed by that list as well.
COREDNS_PLUGINS="errors health ready kubernetes cache loadbalance"
coredns_key="$COREDNS_VERSION-$(sha256sum <<<"$COREDNS_PLUGINS" | cut -c1-8)"
# The Docker provider is built from this repository's tools/docker-provider: keyed by its sources as well.
docker_provider_key="$PULUMI_DOCKER_VERSION-$(cat "$root"/tools/docker-provider/{go.mod,go.sum,main.go} \
  "$root"/tools/docker-provider/shim/{go.mod,shim.go} | sha256sum | cut -c1-12)"
# The YAML language host is built with tools/pulumi-yaml/ (a method it lacks, its schema loader): keyed by it as well.
pulumi_yaml_key="$PULUMI_YAML_VERSION-$(cat "$root"/tools/pulumi-yaml/* | sha256sum | cut -c1-12)"

# unit | version | binaries (each unit's cold build seconds: tools/build-seconds.txt)
UNITS="
prometheus|$PROMETHEUS_VERSION|prometheus promtool
alertmanager|$ALERTMANAGER_VERSION|alertmanager amtool
prometheus-operator|$PROMETHEUS_OPERATOR_VERSION|prometheus-operator prometheus-config-reloader
kubernetes|$KUBERNETES_VERSION|kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy
kubectl|$KUBERNETES_VERSION|kubectl
cni-plugins|$CNI_PLUGINS_VERSION|bridge host-local loopback portmap
coredns|$coredns_key|coredns
kube-router|$KUBE_ROUTER_VERSION|kube-router
helm|$HELM_VERSION|helm
actionlint|$ACTIONLINT_VERSION|actionlint
kube-score|$KUBE_SCORE_VERSION|kube-score
docker-provider|$docker_provider_key|pulumi-resource-docker
pulumi-yaml|$pulumi_yaml_key|pulumi-language-yaml
"

log() { echo "go-tool: [$(date +%H:%M:%S)] $*" >&2; }
unit_line() { grep "^$1|" <<<"$UNITS" || { echo "go-tool: unknown unit $1" >&2; exit 2; }; }
unit_of() { awk -F'|' -v b="$1" '{n=split($3,a," "); for(i=1;i<=n;i++) if(a[i]==b) print $1}' <<<"$UNITS"; }
measured() { awk -v part="$1" '$1 == part {print $2}' "$root/tools/build-seconds.txt"; }
unit_dir() { local line version; line=$(unit_line "$1"); IFS='|' read -r _ version _ <<<"$line"; echo "$cache_root/$1-$version"; }

moddir() {
  go mod download -json "$1" | python3 -c 'import json,sys;d=json.load(sys.stdin);e=d.get("Error");print(d["Dir"]) if not e else sys.exit(e)'
}
copymod() { local dir; dir=$(moddir "$1"); mkdir -p "$(dirname "$2")"; cp -r "$dir" "$2"; chmod -R u+w "$2"; }

wrapper() {  # wrapper DIR MODULE VERSION [replaced-module=version ...]
  local dir=$1 module=$2 version=$3; shift 3
  mkdir -p "$dir"
  { echo "module local/wrapper"; echo "go 1.25.0"; echo "require $module $version"
    for pin in "$@"; do echo "replace ${pin%%=*} => ${pin%%=*} ${pin#*=}"; done; } >"$dir/go.mod"
}

kubernetes_build() {  # kubernetes_build VERSION OUT COMMAND...: k8s.io/kubernetes commands, every staging module pinned
  local version=$1 out=$2 gomod replaced mod staging=() minor pkg ld="-s -w" commands=()
  shift 2
  minor=${version#v1.}; minor=${minor%%.*}
  gomod=$(go mod download -json "k8s.io/kubernetes@$version" | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])')
  replaced=$(sed -n 's/^\s*\(k8s.io\/[a-z-]*\) => .*/\1/p' "$gomod")
  for mod in $replaced; do
    staging+=("$mod=$KUBERNETES_STAGING_VERSION")
  done
  wrapper "$work/w" k8s.io/kubernetes "$version" "${staging[@]}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  for pkg in "$@"; do commands+=("k8s.io/kubernetes/cmd/$pkg"); done
  (cd "$work/w" && go build -trimpath -ldflags "$ld" -o "$out/" "${commands[@]}")
}

build_unit() {  # build_unit UNIT VERSION OUT
  local unit=$1 version=$2 out=$3
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  case "$unit" in
    prometheus)
      copymod "github.com/prometheus/prometheus@$version" "$work/m"
      # Prometheus 3 is published as module v0.3XY.Z: v0.310.0 is Prometheus 3.10.0.
      local rest=${version#v0.3}
      (cd "$work/m" && go build -trimpath \
        -ldflags "-s -w -X github.com/prometheus/common/version.Version=3.$((10#${rest%%.*})).${rest#*.}" \
        -o "$out/" ./cmd/prometheus ./cmd/promtool) ;;
    alertmanager)
      copymod "github.com/prometheus/alertmanager@$version" "$work/m"
      (cd "$work/m" && go build -trimpath -ldflags "-s -w -X github.com/prometheus/common/version.Version=${version#v}" \
        -o "$out/" ./cmd/alertmanager ./cmd/amtool) ;;
    prometheus-operator)
      local op=github.com/prometheus-operator/prometheus-operator
      wrapper "$work/w" "$op" "$version" "$op/pkg/apis/monitoring=$version" "$op/pkg/client=$version"
      (cd "$work/w" && go build -trimpath -ldflags "-s -w -X github.com/prometheus/common/version.Version=${version#v}" \
        -o "$out/" "$op/cmd/operator" "$op/cmd/prometheus-config-reloader")
      mv "$out/operator" "$out/prometheus-operator"
      # The CRDs and the ClusterRole of exactly this operator, applied by the local cluster.
      local src; src=$(moddir "$op@$version")
      mkdir -p "$out/crds" "$out/rbac"
      cp "$src"/example/prometheus-operator-crd/*.yaml "$out/crds/"
      cp "$src/example/rbac/prometheus-operator/prometheus-operator-cluster-role.yaml" "$out/rbac/" ;;
    kubernetes) kubernetes_build "$version" "$out" kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy ;;
    kubectl) kubernetes_build "$version" "$out" kubectl ;;
    cni-plugins)
      copymod "github.com/containernetworking/plugins@$version" "$work/m"
      (cd "$work/m" && go build -trimpath -ldflags "-s -w" -o "$out/" ./plugins/main/bridge ./plugins/ipam/host-local \
        ./plugins/main/loopback ./plugins/meta/portmap) ;;
    coredns)
      # A custom build as CoreDNS documents it: plugin.cfg cut down to the plugins used, then its own generator
      # (`go generate`) writes the plugin imports and the directive order, then `go build`.
      copymod "github.com/coredns/coredns@$COREDNS_VERSION" "$work/m"
      awk -F: -v keep=" $COREDNS_PLUGINS " '/^#/ || NF == 0 || index(keep, " " $1 " ")' "$work/m/plugin.cfg" \
        >"$work/plugin.cfg"
      mv "$work/plugin.cfg" "$work/m/plugin.cfg"
      (cd "$work/m" && go generate coredns.go && go build -trimpath -ldflags "-s -w" -o "$out/coredns" .) ;;
    kube-router)
      copymod "github.com/cloudnativelabs/kube-router/v2@$version" "$work/m"
      (cd "$work/m" && go build -trimpath -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$version" \
        -o "$out/" ./cmd/kube-router) ;;
    helm)
      copymod "helm.sh/helm/v3@$version" "$work/m"
      (cd "$work/m" && go build -trimpath -o "$out/" ./cmd/helm) ;;
    actionlint)
      copymod "github.com/rhysd/actionlint@$version" "$work/m"
      (cd "$work/m" && go build -trimpath -o "$out/" ./cmd/actionlint) ;;
    kube-score)
      copymod "github.com/zegl/kube-score@$version" "$work/m"
      (cd "$work/m" && go build -trimpath -ldflags "-s -w -X main.version=${version#v}" -o "$out/" ./cmd/kube-score) ;;
    pulumi-yaml)
      copymod "github.com/pulumi/pulumi-yaml@$PULUMI_YAML_VERSION" "$work/m"
      cp "$root/tools/pulumi-yaml/link.go" "$work/m/pkg/server/"
      (cd "$work/m" && git apply -p1 "$root/tools/pulumi-yaml/schema-loader.patch")
      (cd "$work/m" && go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=${PULUMI_YAML_VERSION#v}" \
        -o "$out/" ./cmd/pulumi-language-yaml) ;;
    docker-provider)
      # Its go.mod and go.sum pin every module; -mod=readonly keeps the build from changing them.
      (cd "$root/tools/docker-provider" && GONOSUMDB=github.com/pulumi go build -mod=readonly -trimpath \
        -tags no_compose -ldflags "-s -w -X main.version=$PULUMI_DOCKER_VERSION" -o "$out/pulumi-resource-docker" .) ;;
  esac
}

ensure_unit() {  # print the unit's directory, building it first if needed
  local unit=$1 line version dir started seconds
  line=$(unit_line "$unit")
  IFS='|' read -r _ version _ <<<"$line"
  dir="$cache_root/$unit-$version"
  if [ ! -f "$dir/.complete" ]; then
    mkdir -p "$cache_root"
    exec 9>"$dir.lock"
    flock 9
    if [ ! -f "$dir/.complete" ]; then
      command -v go >/dev/null || { echo "go-tool: Go is required to build $unit (no prebuilt binary can be fetched)" >&2; exit 1; }
      export GOWORK=off CGO_ENABLED=0 GOFLAGS="-modcacherw -mod=mod" GOTOOLCHAIN=local
      started=$(date +%s)
      seconds=$(measured "$unit")
      log "building $unit $version (about ${seconds}s cold, measured: tools/build-seconds.txt)"
      rm -rf "$dir"; mkdir -p "$dir"
      build_unit "$unit" "$version" "$dir"
      # The build's own duration, for `make bench`'s table of cold build times.
      seconds=$(( $(date +%s) - started ))
      echo "$seconds" >"$dir/.complete"
      log "built $unit $version in ${seconds}s"
    fi
    exec 9>&-
  fi
  echo "$dir"
}

binary_unit() {  # the unit that builds binary $1
  local unit
  unit=$(unit_of "$1")
  [ -n "$unit" ] || { echo "go-tool: no unit builds $1" >&2; exit 2; }
  echo "$unit"
}

built() {  # built UNIT [BINARY]: print the built unit's directory (or binary), or name what builds it
  local dir
  dir=$(unit_dir "$1")
  [ -f "$dir/.complete" ] || { echo "go-tool: ${2:-$1} is not built: tools/build-all.sh $1 builds it" >&2; exit 1; }
  echo "$dir${2:+/$2}"
}

case "${1:-}" in
  --units)
    for unit in $(awk -F'|' 'NF {print $1}' <<<"$UNITS"); do
      seconds=$(measured "$unit")
      echo "$unit $seconds"
    done ;;
  --unit) ensure_unit "${2:?usage: tools/go-tool.sh --unit UNIT}" ;;
  --key) line=$(unit_line "${2:?usage: tools/go-tool.sh --key UNIT}"); IFS='|' read -r _ version _ <<<"$line"; echo "$version" ;;
  --built)
    if [ "${2:-}" = --unit ]; then unit_line "${3:?usage: tools/go-tool.sh --built --unit UNIT}" >/dev/null; built "$3"
    else unit=$(binary_unit "${2:?usage: tools/go-tool.sh --built BINARY}"); built "$unit" "$2"; fi ;;
  ""|-*) echo "usage: tools/go-tool.sh BINARY | --unit UNIT | --built BINARY | --built --unit UNIT | --key UNIT | --units" >&2; exit 2 ;;
  *)
    unit=$(binary_unit "$1")
    dir=$(ensure_unit "$unit")
    echo "$dir/$1" ;;
esac
