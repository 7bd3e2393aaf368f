#!/usr/bin/env bash
# Load every local image into a throw-away containerd of its own and run them, the way the kubelet will find them:
#   tests/images/try-in-containerd.sh [NAME...]     (default: every image; netcheck is always loaded, as the probe)
# It imports each archive into the k8s.io namespace, checks the normalised references (docker.io/prom/...), runs
# each image on the host network with the image's own user and only loopback listeners, and checks that it serves:
# the Django app on a read-only root with /tmp as tmpfs (/health/ and one /metrics port per gunicorn worker),
# Prometheus and Alertmanager ready, CoreDNS listening on port 53 as non-root, the reloader and netcheck starting,
# pause stopping on SIGTERM. Everything it starts (containerd, shims, containers, cgroups, mounts) it removes on exit.
# Needs root; builds the images first if missing (tools/images/build.sh).
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/tools/install-system-packages.sh" --for tests/images/try-in-containerd.sh
build="$root/tools/images/build.sh"
log() { echo "try-in-containerd: [$(date +%H:%M:%S)] $*" >&2; }
fail() {
  log "FAILED: $*"
  for output in "${tmp:-/nonexistent}"/logs/*.log; do [ -f "$output" ] && { echo "--- $output" >&2; tail -15 "$output" >&2; }; done
  exit 1
}

log "building the images if missing (cached: a second; cold: about 5 minutes)"
if [ $# -gt 0 ]; then names=(netcheck "$@"); else listed=$("$build" --names); mapfile -t names <<<"$listed"; fi
listed=$("$build" "${names[@]}")
mapfile -t archives <<<"$listed"

tmp=$(mktemp -d /tmp/images-containerd.XXXXXX)
sock="$tmp/containerd.sock"
cgroup="images-containerd-$$"  # every container's cgroup lives under this parent, removed on exit
containerd_pid=""
# containerd 1.6 puts its shims' sockets under /run/containerd/s whatever its state folder: remove those folders
# again if this run created them (rmdir: only when empty, so another containerd's sockets stay).
[ -d /run/containerd ] && run_existed=yes || run_existed=""
ctr() { command ctr -a "$sock" -n k8s.io "$@"; }

cleanup() {
  set +e
  if [ -n "$containerd_pid" ]; then
    for task in $(ctr task ls -q 2>/dev/null); do ctr task kill -s SIGKILL "$task" >/dev/null 2>&1; done
    for task in $(ctr task ls -q 2>/dev/null); do
      for _ in $(seq 50); do ctr task delete "$task" >/dev/null 2>&1 && break; sleep 0.1; done
    done
    for container in $(ctr container ls -q 2>/dev/null); do ctr container delete "$container" >/dev/null 2>&1; done
    kill -TERM "$containerd_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$containerd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$containerd_pid" 2>/dev/null
    wait "$containerd_pid" 2>/dev/null
  fi
  # Shims of this containerd that outlived their task (recorded in its state folder).
  for pidfile in "$tmp"/state/io.containerd.runtime.v2.task/*/*/shim.pid; do
    [ -f "$pidfile" ] && kill -KILL "$(cat "$pidfile")" 2>/dev/null
  done
  findmnt -rn -o TARGET | grep "^$tmp/" | sort -r | while read -r target; do umount -l "$target"; done
  for hierarchy in /sys/fs/cgroup/*/; do [ -d "$hierarchy$cgroup" ] && rmdir "$hierarchy$cgroup"/* "$hierarchy$cgroup" 2>/dev/null; done
  rm -rf "$tmp"
  [ -n "$run_existed" ] || rmdir /run/containerd/s /run/containerd 2>/dev/null
}
trap cleanup EXIT

cat >"$tmp/config.toml" <<EOF
version = 2
root = "$tmp/root"
state = "$tmp/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = "$sock.debug"
[metrics]
  address = ""
EOF
log "starting a containerd of its own under $tmp"
containerd --config "$tmp/config.toml" >"$tmp/containerd.log" 2>&1 &
containerd_pid=$!
for _ in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done
ctr version >/dev/null 2>&1 || { tail -20 "$tmp/containerd.log" >&2; fail "containerd did not answer within 10 s"; }

for i in "${!names[@]}"; do
  tag=$("$build" --tag "${names[$i]}")
  ctr images import "${archives[$i]}" >/dev/null
  # How the kubelet looks the image up: a reference without a registry is normalised to docker.io.
  ctr images ls -q | grep -qx "docker.io/$tag" || fail "${names[$i]}: docker.io/$tag not listed after import"
  log "imported ${names[$i]} as docker.io/$tag"
done

ref() { echo "docker.io/$("$build" --tag "$1")"; }
start() {  # start ID IMAGE [ctr run options...] [-- ARGS...]: a detached container on the host network, logging to a file
  local id=$1 image=$2 options=(); shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do options+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  ctr run -d --net-host --cgroup "/$cgroup/$id" --runc-root "$tmp/runc" --log-uri "file://$tmp/logs/$id.log" "${options[@]}" "$(ref "$image")" \
    "$id" "$@" >/dev/null || fail "$id did not start"
}
netcheck() { "$tmp/netcheck" "$@"; }
wait_for() {  # wait_for WHAT SECONDS COMMAND...: retry the command, bounded
  local what=$1 seconds=$2; shift 2
  for _ in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && { log "ok: $what"; return; }; sleep 0.2; done
  fail "$what (not within $seconds s)"
}
port() {  # port [COUNT]: the first of COUNT consecutive free ports on 127.0.0.1
  python3 - "${1:-1}" <<'EOF'
import random, socket, sys
count = int(sys.argv[1])
def free(port):
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
for _ in range(200):
    start = random.randrange(20000, 60000 - count)
    if all(free(port) for port in range(start, start + count)):
        print(start)
        break
else:
    sys.exit("no free ports on 127.0.0.1")
EOF
}
task_status() { ctr task ls | awk -v id="$1" '$1 == id {print $3}'; }

# The probe comes out of its image, so the checks use the binary the tests in the cluster will use.
python3 - "$("$build" netcheck)" "$tmp/netcheck" <<'EOF'
import io, json, sys, tarfile
with tarfile.open(sys.argv[1]) as outer:
    layer = json.load(outer.extractfile("manifest.json"))[0]["Layers"][0]
    with tarfile.open(fileobj=io.BytesIO(outer.extractfile(layer).read())) as inner:
        open(sys.argv[2], "wb").write(inner.extractfile("bin/netcheck").read())
EOF
chmod +x "$tmp/netcheck"
mkdir -p "$tmp/logs"

check_django-app() {
  local app
  app=$(port 3)
  log "django-app on a read-only root, WEB_CONCURRENCY=2, http 127.0.0.1:$app, metrics from $((app + 1))"
  start django-app django-app --read-only --mount "type=tmpfs,src=tmpfs,dst=/tmp,options=nosuid:nodev:mode=1777" \
    --env WEB_CONCURRENCY=2 --env HTTP_PORT="$app" --env METRICS_START_PORT=$((app + 1)) --env BIND_HOST=127.0.0.1
  wait_for "django-app serves /health/" 60 netcheck http "http://127.0.0.1:$app/health/"
  wait_for "django-app worker 1 serves /metrics on $((app + 1))" 30 netcheck http "http://127.0.0.1:$((app + 1))/metrics"
  wait_for "django-app worker 2 serves /metrics on $((app + 2))" 30 netcheck http "http://127.0.0.1:$((app + 2))/metrics"
}

check_alertmanager() {
  local am
  am=$(port)
  start alertmanager alertmanager -- /bin/alertmanager --config.file=/etc/alertmanager/alertmanager.yml \
    --storage.path=/alertmanager --web.listen-address=127.0.0.1:"$am" --cluster.listen-address=
  wait_for "alertmanager answers /-/ready on 127.0.0.1:$am" 30 netcheck http "http://127.0.0.1:$am/-/ready"
}

check_prometheus() {
  local prom
  prom=$(port)
  start prometheus prometheus -- /bin/prometheus --config.file=/etc/prometheus/prometheus.yml \
    --storage.tsdb.path=/prometheus --web.listen-address=127.0.0.1:"$prom"
  wait_for "prometheus answers /-/ready on 127.0.0.1:$prom" 60 netcheck http "http://127.0.0.1:$prom/-/ready"
}

check_coredns() {  # as UID 65532 on port 53 of a loopback address of its own: the file capability has to work
  local dns=127.0.$((RANDOM % 200 + 20)).53
  mkdir -p "$tmp/coredns"
  printf '.:53 {\n  bind %s\n  whoami\n}\n' "$dns" >"$tmp/coredns/Corefile"
  start coredns coredns --mount "type=bind,src=$tmp/coredns,dst=/etc/coredns,options=rbind:ro" -- \
    /coredns -conf /etc/coredns/Corefile
  wait_for "coredns listens on $dns:53" 30 netcheck tcp "$dns:53"
}

check_prometheus-config-reloader() {
  local reloader
  reloader=$(port)
  start reloader prometheus-config-reloader -- /bin/prometheus-config-reloader \
    --listen-address=127.0.0.1:"$reloader" --reload-url=http://127.0.0.1:1/-/reload
  wait_for "prometheus-config-reloader serves /metrics on 127.0.0.1:$reloader" 30 \
    netcheck http "http://127.0.0.1:$reloader/metrics"
}

check_netcheck() {
  local hook
  hook=$(port)
  start webhook netcheck -- /bin/netcheck webhook 127.0.0.1:"$hook"
  wait_for "netcheck webhook answers /healthz on 127.0.0.1:$hook" 30 netcheck http "http://127.0.0.1:$hook/healthz"
}

pause_stopped() { [ "$(task_status pause)" = STOPPED ]; }
check_pause() {
  start pause pause
  ctr task kill -s SIGTERM pause
  wait_for "pause stops on SIGTERM" 10 pause_stopped
}

for name in "${names[@]}"; do "check_$name"; done
ctr task ls | awk '$3 == "RUNNING" {print $1, $2}' | while read -r id pid; do
  log "$id runs as UID $(awk '/^Uid:/ {print $2}' "/proc/$pid/status")"
done
log "every image loaded and served: ${names[*]}"
