#!/usr/bin/env bash
# Build everything the tests and the local cluster run, three builds at a time, longest first, each into its
# versioned cache (a built part takes a second): the Pulumi engine, every Go unit of tools/go-tool.sh, the images.
#   tools/build-all.sh
# Each build prints timestamped lines with its cold estimate; this prints a summary with the time each part took.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
started=$(date +%s)
echo "build-all: [$(date +%H:%M:%S)] building what is missing (cold on 2 cores: 40 to 75 minutes in all, the engine the longest part)" >&2
{ echo "engine 900"; "$root/tools/go-tool.sh" --units; } | sort -k2,2nr \
  | xargs -P 3 -L 1 bash -c '
      part=$2; t0=$(date +%s)
      if [ "$part" = engine ]; then cmd=("$0/tools/pulumi-engine.sh"); else cmd=("$0/tools/go-tool.sh" --unit "$part"); fi
      echo "build-all: [$(date +%H:%M:%S)] $part: started (about $3s cold when alone on 2 cores)" >&2
      if "${cmd[@]}" >"$1/$part.log" 2>&1; then
        echo "$part $(( $(date +%s) - t0 ))s" >>"$1/times"
        echo "build-all: [$(date +%H:%M:%S)] $part: ready after $(( $(date +%s) - t0 ))s" >&2
      else echo "build-all: $part failed:" >&2; tail -20 "$1/$part.log" >&2; exit 255; fi' "$root" "$logs"
t0=$(date +%s)
# shellcheck disable=SC2046 - one word per image name
"$root/tools/images/build.sh" $("$root/tools/images/build.sh" --names) >/dev/null
echo "images $(( $(date +%s) - t0 ))s" >>"$logs/times"
echo "build-all: [$(date +%H:%M:%S)] done in $(( $(date +%s) - started ))s; per part: $(sort "$logs/times" | tr '\n' ' ')" >&2
