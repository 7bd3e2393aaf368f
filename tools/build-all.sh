#!/usr/bin/env bash
# Build the parts of the toolchain that are missing, several at a time (one more than the cores), longest first,
# each into its versioned cache (a built part takes a second). The one way every entry point builds:
#   tools/build-all.sh                every part: the Pulumi engine, every Go unit of tools/go-tool.sh, every image
#   tools/build-all.sh PART...        those parts (and the Go units their images need): engine, a unit of
#                                     `tools/go-tool.sh --units`, image:NAME for a name of `tools/images/build.sh --names`
#   tools/build-all.sh --estimate [PART...]   print what is missing and the estimate of the whole; build nothing
#   tools/build-all.sh --parts        every part, one a line
#   tools/build-all.sh --measured     each built part's cold build seconds as the cache recorded them, in the format of
#                                     tools/build-seconds.txt (to refresh that file after a cold build)
# Before anything starts it prints what is missing and the estimate of the whole, from tools/build-seconds.txt; each
# part then prints a timestamped line when it starts and when it is ready. An interrupted or failed build stops every
# build it started (they run in a process group of their own), so nothing is left running.
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-system-packages.sh" --for tools/build-all.sh

log() { echo "build-all: [$(date +%H:%M:%S)] $*" >&2; }
measured() { awk -v part="$1" '$1 == part {print $2}' "$root/tools/build-seconds.txt"; }
units=$("$root/tools/go-tool.sh" --units | cut -d' ' -f1)
images=$("$root/tools/images/build.sh" --names)
all_parts() { echo engine; echo "$units"; sed 's/^/image:/' <<<"$images"; }

builder() {  # the command that builds PART, or that prints it when it is built already (--built)
  case "$1" in
    engine) echo "$root/tools/pulumi-engine.sh" ;;
    image:*) echo "$root/tools/images/build.sh ${1#image:}" ;;
    *) echo "$root/tools/go-tool.sh --unit $1" ;;
  esac
}
is_built() {
  case "$1" in
    engine) "$root/tools/pulumi-engine.sh" --built ;;
    image:*) "$root/tools/images/build.sh" --built "${1#image:}" ;;
    *) "$root/tools/go-tool.sh" --built --unit "$1" ;;
  esac >/dev/null 2>&1
}

case "${1:-}" in
  --parts) all_parts; exit 0 ;;
  --measured)
    for part in $(all_parts); do
      case "$part" in
        engine) file=$("$root/tools/pulumi-engine.sh" --built 2>/dev/null || true); file=${file:+$file/../build-seconds} ;;
        image:*) file=$("$root/tools/images/build.sh" --built "${part#image:}" 2>/dev/null || true); file=${file:+$file.seconds} ;;
        *) file=$("$root/tools/go-tool.sh" --built --unit "$part" 2>/dev/null || true); file=${file:+$file/.complete} ;;
      esac
      if [ -n "$file" ] && [ -s "$file" ]; then seconds=$(cat "$file"); printf '%-31s %s\n' "$part" "$seconds"; fi
    done
    exit 0 ;;
  --estimate) estimate_only=1; shift ;;
  -*) echo "usage: tools/build-all.sh [--estimate] [PART...] | --parts | --measured   (parts: tools/build-all.sh --parts)" >&2; exit 2 ;;
esac

# The parts asked for, each known, with the Go units their images are built from.
parts=$(all_parts)
wanted=$(if [ $# -eq 0 ]; then echo "$parts"; else printf '%s\n' "$@"; fi)
for part in $wanted; do
  grep -qx -- "$part" <<<"$parts" || { echo "build-all: unknown part $part (parts: tools/build-all.sh --parts)" >&2; exit 2; }
  if [[ $part == image:* ]]; then
    needs=$("$root/tools/images/build.sh" --units "${part#image:}")
    wanted+=$'\n'"$needs"
  fi
done
wanted=$(grep -v '^$' <<<"$wanted" | sort -u)

missing=()
for part in $wanted; do is_built "$part" || missing+=("$part"); done
if [ ${#missing[@]} -eq 0 ]; then
  count=$(wc -w <<<"$wanted")
  log "every part asked for is built ($count parts)"
  exit 0
fi

# Images built from Go units wait for them (a second stage); everything else starts at once, longest first.
jobs=$(( $(nproc) + 1 ))
first=() second=() total=0 longest=0 later=0
for part in "${missing[@]}"; do
  seconds=$(measured "$part")
  seconds=${seconds:-60}
  total=$(( total + seconds ))
  needs=""
  if [[ $part == image:* ]]; then needs=$("$root/tools/images/build.sh" --units "${part#image:}"); fi
  if [ -n "$needs" ]; then second+=("$part $seconds"); later=$(( later + seconds ))
  else first+=("$part $seconds"); [ "$seconds" -le "$longest" ] || longest=$seconds; fi
done
early=$(( total - later ))
whole=$(( (early + jobs - 1) / jobs )); [ "$whole" -ge "$longest" ] || whole=$longest
whole=$(( whole + later ))
log "building ${#missing[@]} missing part(s): ${missing[*]}"
log "estimate of the whole: about $(( (whole + 59) / 60 )) min ($total s of measured cold build time, $jobs at a time on $(nproc) cores; tools/build-seconds.txt)"
[ -z "${estimate_only:-}" ] || exit 0

logs=$(mktemp -d)
workers=""
stop_workers() {  # every build this started, by the process group it runs in
  if [ -n "$workers" ] && kill -0 -- "-$workers" 2>/dev/null; then
    log "stopping the builds still running"
    kill -TERM -- "-$workers" 2>/dev/null || true
  fi
}
trap 'stop_workers; rm -rf "$logs"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

build_part() {  # build_part PART ESTIMATE: one build, its output in the part's log, its time in the summary
  local part=$1 estimate=$2 started
  started=$(date +%s)
  log "$part: started (about ${estimate}s cold)"
  # shellcheck disable=SC2046 # the builder's words
  if $(builder "$part") >"$logs/$part.log" 2>&1 </dev/null; then
    echo "$part $(( $(date +%s) - started ))s" >>"$logs/times"
    log "$part: ready after $(( $(date +%s) - started ))s"
  else
    log "$part failed; the end of its log:"
    tail -20 "$logs/$part.log" >&2
    exit 255  # xargs starts nothing more
  fi
}
export -f build_part builder log
export root logs

stage() {  # stage "PART SECONDS"...: every part, $jobs at a time, longest first, in a process group of its own
  [ $# -gt 0 ] || return 0
  set -m
  printf '%s\n' "$@" | sort -k2,2nr | xargs -P "$jobs" -L 1 bash -c 'build_part "$1" "$2"' build_part &
  workers=$!
  set +m
  wait "$workers"
  workers=""
}
started=$(date +%s)
stage "${first[@]}"
stage "${second[@]}"
summary=$(sort "$logs/times" | tr '\n' ' ')
log "built in $(( $(date +%s) - started ))s (estimate: about ${whole}s); per part: $summary"
