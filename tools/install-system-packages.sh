#!/usr/bin/env bash
# Install the Debian packages a part of the project runs, when a command it needs is missing:
#   tools/install-system-packages.sh [tests] [cluster] [images]      (no argument: tests)
#   tests    promtool and prometheus (Debian `prometheus`), amtool and alertmanager (`prometheus-alertmanager`)
#   cluster  etcd, containerd, runc, iptables, ipset, conntrack (the local Kubernetes cluster's nodes)
#   images   debootstrap (the reference app's root filesystem)
# Does nothing when every command is there.
set -euo pipefail
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
for group in "${@:-tests}"; do
  case "$group" in
    tests)   need promtool prometheus; need prometheus prometheus; need amtool prometheus-alertmanager
             need prometheus-alertmanager prometheus-alertmanager ;;
    cluster) need etcd etcd-server; need containerd containerd; need runc runc; need iptables iptables
             need ipset ipset; need conntrack conntrack; need openssl openssl; need curl curl; need nsenter util-linux ;;
    images)  need debootstrap debootstrap ;;
    *) echo "usage: tools/install-system-packages.sh [tests] [cluster] [images]" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "[$(date +%H:%M:%S)] installing Debian packages: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
