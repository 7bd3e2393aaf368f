#!/usr/bin/env bash
# Check the Debian packages an entry point runs, and install the missing ones, before it does anything else:
#   tools/install-system-packages.sh --for ENTRY     e.g. --for "make up", --for tools/stack.sh
#   tools/install-system-packages.sh PART...         the packages of parts (tests, toolchain, cluster, images, swarm, rehearsal)
#   tools/install-system-packages.sh --packages ENTRY   print the packages ENTRY needs, one a line, and check nothing
#   tools/install-system-packages.sh --packages-of PART...   the same for parts
# tools/system-packages.txt says which part needs which package, the commands that show it is installed, and which
# parts each entry point runs. A package counts as installed when every one of its commands is on PATH.
# DJANGO_OBSERVABILITY_SYSTEM_PACKAGES says what happens when one is missing:
#   install (the default)  install it with apt-get, after one timestamped line naming it
#   check                  install nothing: one line naming the missing packages, exit 1
#   stop                   as check, and stop the entry point here even when nothing is missing (exit 3): a dry run
#                          of the check, which shows that nothing ran before it
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "$0")/.." && pwd)
table="$root/tools/system-packages.txt"
mode=${DJANGO_OBSERVABILITY_SYSTEM_PACKAGES:-install}
usage() { echo "usage: tools/install-system-packages.sh --for ENTRY | --packages ENTRY | --packages-of PART... | PART...   (tools/system-packages.txt)" >&2; exit 2; }

section() { awk -v want="[$1]" '/^\[/ {inside = ($0 == want); next} inside && NF && $1 !~ /^#/' "$table"; }
entry_parts() {  # the parts of entry point $1
  local found
  found=$(section "entry points" | awk -F'|' -v entry="$1" '{name = $1; gsub(/^ +| +$/, "", name)} name == entry {print $2; ok = 1}
    END {exit !ok}') || { echo "install-system-packages: no entry point \"$1\" in tools/system-packages.txt" >&2; exit 2; }
  echo "$found"
}
packages_of() { section packages | awk -v parts=" $* " 'index(parts, " " $1 " ") {print $2}' | sort -u; }
commands_of() { section packages | awk -v package="$1" '$2 == package {for (i = 3; i <= NF; i++) print $i}' | sort -u; }

list=""
case "${1:-}" in
  --for|--packages) [ $# -eq 2 ] || usage; [ "$1" = --for ] || list=1; what=$2; parts=$(entry_parts "$2") ;;
  --packages-of) shift; [ $# -gt 0 ] || usage; list=1 ;;&
  --packages-of|[!-]*)
     what="parts $*"; parts="$*"
     for part in $parts; do
       section packages | awk -v part="$part" '$1 == part {ok = 1} END {exit !ok}' \
         || { echo "install-system-packages: no part $part in tools/system-packages.txt" >&2; exit 2; }
     done ;;
  *) usage ;;
esac
# shellcheck disable=SC2086 # one word per part
packages=$(packages_of $parts)
if [ -n "$list" ]; then
  [ -z "$packages" ] || echo "$packages"
  exit 0
fi

missing=() absent=()
for package in $packages; do
  gone=$(for command in $(commands_of "$package"); do command -v "$command" >/dev/null 2>&1 || echo "$command"; done)
  if [ -n "$gone" ]; then missing+=("$package"); absent+=($gone); fi
done
case "$mode" in install|check|stop) ;; *) echo "DJANGO_OBSERVABILITY_SYSTEM_PACKAGES: $mode — one of install, check, stop" >&2; exit 2 ;; esac
if [ ${#missing[@]} -eq 0 ]; then
  if [ "$mode" = stop ]; then
    echo "$what: every Debian package it runs is installed; stopping here (DJANGO_OBSERVABILITY_SYSTEM_PACKAGES=stop)" >&2
    exit 3
  fi
  exit 0
fi
if [ "$mode" != install ]; then
  echo "$what: needs the Debian packages ${missing[*]} (${absent[*]} not on PATH): apt-get install ${missing[*]}" \
    "(installing is off: DJANGO_OBSERVABILITY_SYSTEM_PACKAGES=$mode)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "$what: needs the Debian packages ${missing[*]}: run as root, or apt-get install them" >&2; exit 1; }
  sudo="sudo"
fi
echo "[$(date +%H:%M:%S)] $what: installing the Debian packages ${missing[*]} (${absent[*]} not on PATH; about 10 s a package)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "[$(date +%H:%M:%S)] $what: installed ${missing[*]}" >&2
