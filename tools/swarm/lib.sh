# Shared by tools/swarm/up and tools/swarm/down: the local Swarm's names, addresses and folders.
#
# Node N is the hostname swarm-N, network namespace dobs-swarm-N, address $SWARM_SUBNET.(10+N) on the bridge
# $SWARM_BRIDGE (which holds $SWARM_SUBNET.1), and everything of its dockerd lives under $SWARM_DIR/swarm-N.
# The /24 lies far from Docker's own pools (172.17-31.0.0/16, 192.168.0.0/16 and the overlay pool counting up from
# 10.0.0.0/24); up refuses it if any route on this machine uses it already. There is no default route in a node:
# nothing a node does can leave the machine.
SWARM_NODES=(swarm-1 swarm-2 swarm-3)
SWARM_SUBNET=10.213.47
SWARM_BRIDGE=dobs-swarm0
SWARM_DIR=${DJANGO_OBSERVABILITY_SWARM_DIR:-/var/lib/django-observability-swarm}
DOCKER=/usr/bin/docker   # Debian's client, matching its dockerd; a newer CLI may come first on PATH
export DOCKER_API_VERSION=1.41

node_index() { echo "${1#swarm-}"; }
node_netns() { echo "dobs-swarm-$(node_index "$1")"; }
node_veth() { echo "dobs-sw$(node_index "$1")"; }
node_addr() { echo "$SWARM_SUBNET.$((10 + $(node_index "$1")))"; }
node_dir() { echo "$SWARM_DIR/$1"; }
node_socket() { echo "unix://$(node_dir "$1")/docker.sock"; }
node_docker() { local node=$1; shift; "$DOCKER" -H "$(node_socket "$node")" "$@"; }
node_alive() { node_docker "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

log() { echo "swarm: [$(date +%H:%M:%S)] $*" >&2; }
become_root() {  # network namespaces, the bridge and dockerd need root: re-run through sudo when it needs no password
  [ "$(id -u)" = 0 ] && return
  sudo -n true 2>/dev/null || fail "must run as root (network namespaces, a bridge, dockerd)"
  exec sudo -n -E "$0" "$@"
}
fail() { echo "swarm: $*" >&2; exit 1; }
wait_for() {  # wait_for SECONDS WHAT COMMAND...: poll once a second, fail with WHAT after SECONDS
  local seconds=$1 what=$2 deadline; shift 2
  deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "gave up after ${seconds}s waiting for $what"
    sleep 1
  done
}
