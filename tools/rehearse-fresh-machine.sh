#!/usr/bin/env bash
# A new user's first run, rehearsed on this machine (`make rehearse`):
#   tools/rehearse-fresh-machine.sh               the rehearsal: see below
#   tools/rehearse-fresh-machine.sh --dry-run     print what it would do (the packages it would remove, from
#                                                 apt-get's simulation), change nothing
#   tools/rehearse-fresh-machine.sh --steps "CMD;CMD" --keep-packages
#                                                 the same mechanics with other steps (run in the clone) and no
#                                                 package removed, to try the rehearsal itself cheaply; such steps
#                                                 take no lock, so they must not use the cluster or the Swarm
# It clones this repository's HEAD into a new temporary folder, points DJANGO_OBSERVABILITY_CACHE, GOCACHE and
# GOMODCACHE at new empty folders, removes the Debian packages that `make up` and `make test` install
# (tools/system-packages.txt; only those whose removal takes nothing else with it, as apt-get simulates it), and then
# runs `make up` and `make test` in the clone, as the README says. It prints each step's time, each part's build
# time (as the new cache recorded it) and the total. At the end, whatever happened, it stops the cluster and the
# Swarm the clone started, reinstalls any removed package still missing, and removes the clone and the caches.
# Cold: 60 to 90 minutes of every core, and it removes packages machine-wide: run it when nobody else works here.
# It holds the cluster and Swarm locks (/tmp/dobs-cluster.lock, /tmp/dobs-swarm.lock) throughout: do not wrap it
# in flock. Needs root.
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-system-packages.sh" --for tools/rehearse-fresh-machine.sh
log() { echo "rehearse: [$(date +%H:%M:%S)] $*" >&2; }
fail() { echo "rehearse: $*" >&2; exit 1; }

dry_run="" keep_packages="" steps="make up;make test"
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --keep-packages) keep_packages=1 ;;
    --steps) steps=${2:?usage: --steps "CMD;CMD"}; custom_steps=1; shift ;;
    *) echo "usage: tools/rehearse-fresh-machine.sh [--dry-run] [--steps \"CMD;CMD\" [--keep-packages]]" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || fail "must run as root (it removes and installs Debian packages)"
commit=$(git -C "$root" rev-parse HEAD)
changes=$(git -C "$root" status --porcelain --untracked-files=no)
if [ -n "$changes" ]; then
  log "the working tree has changes that are not committed: the rehearsal runs commit ${commit:0:12} without them"
fi

# The packages to remove: what `make up` and `make test` install again, installed now, each removable alone.
removable() {  # removable PACKAGE CANDIDATES...: apt-get would remove PACKAGE and nothing but candidates
  local package=$1 removed; shift
  removed=$(apt-get -s remove "$package" 2>/dev/null | awk '/^Remv / {print $2}')
  [ -n "$removed" ] || return 1
  for other in $removed; do [[ " $* " == *" $other "* ]] || return 1; done
}
# The packages the rehearsal runs itself (git, ip) are never removed.
own=$("$root/tools/install-system-packages.sh" --packages-of rehearsal)
wanted=$(for entry in "make up" "make test"; do "$root/tools/install-system-packages.sh" --packages "$entry"; done | sort -u)
installed=() remove=() kept=()
for package in $wanted; do
  ! grep -qx "$package" <<<"$own" || continue
  status=$(dpkg-query -W -f '${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] && installed+=("$package")
done
for package in "${installed[@]}"; do
  if removable "$package" "${installed[@]}"; then remove+=("$package"); else kept+=("$package"); fi
done
[ -z "$keep_packages" ] || { kept+=("${remove[@]}"); remove=(); }

base=/tmp/dobs-rehearsal.XXXXXX
IFS=';' read -r -a commands <<<"$steps"
if [ -n "$dry_run" ]; then
  echo "rehearse --dry-run: nothing is changed; the rehearsal would:"
  echo "  take the locks /tmp/dobs-cluster.lock and /tmp/dobs-swarm.lock${custom_steps:+ (not with --steps)}"
  echo "  clone $root at $commit into $base/clone"
  echo "  export DJANGO_OBSERVABILITY_CACHE=$base/cache GOCACHE=$base/gocache GOMODCACHE=$base/gomodcache (new, empty)"
  echo "  apt-get remove ${remove[*]:-(nothing)}"
  echo "  leave installed ${kept[*]:-(nothing)} (removing it would remove other packages too, or --keep-packages)"
  echo "  never remove" $own "(the rehearsal runs them itself)"
  for command in "${commands[@]}"; do echo "  run in the clone, timed: $command"; done
  empty=$(mktemp -d)
  echo "  (what make up and make test build, from the empty cache:)"
  DJANGO_OBSERVABILITY_CACHE=$empty "$root/tools/build-all.sh" --estimate 2>&1 | sed 's/^/    /'
  rmdir "$empty"
  echo "  print each part's cold build time from the new cache (tools/build-all.sh --measured) and the total"
  echo "  at the end: make cluster-down and make swarm-down in the clone if it started them, apt-get install" \
    "whatever removed package is still missing, rm -rf $base"
  exit 0
fi

if [ -z "${custom_steps:-}" ]; then
  for lock in /tmp/dobs-cluster.lock /tmp/dobs-swarm.lock; do
    exec {fd}>"$lock"
    flock -n "$fd" || { log "waiting for $lock (whoever holds it is using the cluster or the Swarm)"; flock "$fd"; }
  done
  ! ip link show dobs0 >/dev/null 2>&1 || fail "a local cluster runs on this machine: make cluster-down in its checkout first"
  ! ip link show dobs-swarm0 >/dev/null 2>&1 || fail "a local Swarm runs on this machine: make swarm-down first"
fi
swarm_dir=${DJANGO_OBSERVABILITY_SWARM_DIR:-/var/lib/django-observability-swarm}
swarm_before=""; [ ! -e "$swarm_dir" ] || swarm_before=1

base=$(mktemp -d /tmp/dobs-rehearsal.XXXXXX)
clone="$base/clone"
started=$(date +%s)
times=()
summary() {  # each step's time, each part's build time as the new cache recorded it, the total
  local parts
  parts=$(cd "$clone" 2>/dev/null && tools/build-all.sh --measured 2>/dev/null || true)
  log "each part's cold build seconds, as the new cache recorded them:"
  echo "${parts:-  (nothing was built)}" >&2
  log "steps: ${times[*]:-none finished}; total $(( $(date +%s) - started ))s"
}
cleanup() {
  local status=$? missing=()
  trap - EXIT INT TERM
  summary
  log "cleaning up"
  if [ -d "$clone/.local-cluster" ]; then (cd "$clone" && make --no-print-directory cluster-down) || true; fi
  if [ -z "$swarm_before" ] && [ -e "$swarm_dir" ]; then (cd "$clone" && make --no-print-directory swarm-down) || true; fi
  for package in "${remove[@]}"; do
    [ "$(dpkg-query -W -f '${Status}' "$package" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "reinstalling what the run did not: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || true
  fi
  rm -rf "$base"
  log "removed $base; $(( $(date +%s) - started ))s in all; exit status $status"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "cloning $commit into $clone"
git clone --quiet --no-checkout "$root" "$clone"
git -C "$clone" checkout --quiet --detach "$commit"
mkdir "$base/cache" "$base/gocache" "$base/gomodcache" "$base/logs"
export DJANGO_OBSERVABILITY_CACHE="$base/cache" GOCACHE="$base/gocache" GOMODCACHE="$base/gomodcache"
if [ ${#remove[@]} -gt 0 ]; then
  log "removing the Debian packages ${remove[*]} (the run installs them again)"
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "${remove[@]}" >/dev/null
fi
[ ${#kept[@]} -eq 0 ] || log "left installed: ${kept[*]} (removing it would remove other packages too, or --keep-packages)"

for command in "${commands[@]}"; do
  log "step: $command (in $clone; its output also in $base/logs)"
  step_started=$(date +%s)
  (cd "$clone" && bash -c "$command") 2>&1 | tee "$base/logs/step-${#times[@]}.log"
  times+=("$command: $(( $(date +%s) - step_started ))s")
  log "step done: ${times[-1]}"
done
