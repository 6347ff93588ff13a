#!/usr/bin/env bash
# Checks the split systemd layout under a real systemd: a container whose PID 1 is systemd (from a
# debootstrapped Debian 12, see scripts/fresh-machine.sh) gets this checkout at /opt/deployflow and
# the units of deploy/systemd, starts deployflow.target, then SIGKILLs each service in turn and
# checks that systemd restarts that one only: the other three keep their process (same MainPID,
# still active) and the gateway keeps answering. No Docker Engine inside: deploys are not tried.
#
#   bash scripts/check-split-units.sh        # after `make build` (dist/) and with node_modules installed
#
# Needs an image with systemd, redis-server and curl; it is made once from the fresh-machine root.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
cache="${DEPLOYFLOW_FRESH_CACHE:-/var/cache/deployflow/fresh}"
image=deployflow-units-check:1
name="deployflow-units-$$"
say() { echo "check-split-units: $*"; }

tarball="$cache/debian-bookworm-minbase.tar"
if ! docker image inspect "$image" >/dev/null 2>&1; then
  [ -s "$tarball" ] || { echo "check-split-units: run scripts/fresh-machine.sh once first (it makes $tarball)" >&2; exit 1; }
  base="deployflow-fresh:$(sha256sum "$tarball" | cut -c1-12)"
  docker image inspect "$base" >/dev/null 2>&1 || docker import "$tarball" "$base" >/dev/null
  docker network create "$name" >/dev/null
  docker run --name "$name-build" --network "$name" "$base" bash -c 'apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd systemd-sysv redis-server curl dbus ca-certificates >/dev/null'
  docker commit "$name-build" "$image" >/dev/null
  docker rm "$name-build" >/dev/null
  docker network rm "$name" >/dev/null
fi

node_tar="$(mktemp /tmp/deployflow-units-node.XXXXXX.tar)"
dpkg -L nodejs | while read -r f; do [ -f "$f" ] || [ -L "$f" ] && echo "${f#/}"; done | { cat; echo usr/lib/node_modules/npm; } \
  | sort -u | tar -C / -cf "$node_tar" -T - 2>/dev/null
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; rm -f "$node_tar"; }
trap cleanup EXIT

# systemd as PID 1: its own cgroup namespace with the hierarchies remounted writable (what
# --privileged would give, less the capabilities this machine lacks), /run on tmpfs.
caps=(--cap-add ALL)
bounding=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
(( bounding >> 24 & 1 )) || caps+=(--cap-drop SYS_RESOURCE)
docker run -d --name "$name" --hostname units-check --cgroupns=private "${caps[@]}" \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
  --tmpfs /run --tmpfs /run/lock -e container=docker --stop-signal SIGRTMIN+3 \
  -v "$repo:/opt/deployflow:ro" -v "$node_tar:/node.tar:ro" \
  "$image" bash -c 'mount -o remount,rw /sys
    for d in /sys/fs/cgroup/*/; do c=$(basename "$d"); o=$c; [ "$c" = systemd ] && o=none,name=systemd
      umount "$d" && mount -t cgroup -o "$o" cgroup "$d"; done
    tar -C / -xf /node.tar
    exec /lib/systemd/systemd' >/dev/null
inside() { docker exec "$name" "$@"; }
for _ in $(seq 1 60); do inside systemctl is-system-running 2>/dev/null | grep -qE 'running|degraded' && break; sleep 1; done
say "systemd $(inside systemctl --version | head -1 | cut -d' ' -f2) is PID 1: $(inside systemctl is-system-running || true)"

inside sh -c 'cp /opt/deployflow/deploy/systemd/deployflow-*.service /opt/deployflow/deploy/systemd/deployflow.target /etc/systemd/system/ &&
  mkdir -p /etc/deployflow && echo DEPLOYFLOW_LOG_LEVEL=warn > /etc/deployflow/deployflow.env && systemctl daemon-reload &&
  systemctl enable --now redis-server deployflow.target >/dev/null 2>&1'
services=(control git gateway dns)
active() { inside systemctl is-active "deployflow-$1" 2>/dev/null || true; }
main_pid() { inside systemctl show -p MainPID --value "deployflow-$1"; }
restarts() { inside systemctl show -p NRestarts --value "deployflow-$1"; }
gateway_answers() { inside curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Host: nothing.paas.local' http://127.0.0.1/ || true; }
wait_all_active() {
  for _ in $(seq 1 90); do
    local all=1; for s in "${services[@]}"; do [ "$(active "$s")" = active ] || all=0; done
    [ $all = 1 ] && [ "$(gateway_answers)" != 000 ] && return 0; sleep 1
  done
  for s in "${services[@]}"; do say "deployflow-$s: $(active "$s")"; inside journalctl -u "deployflow-$s" --no-pager -n 15 || true; done
  return 1
}
wait_all_active || { say "FAILED: the four units did not all start"; exit 1; }
say "deployflow.target started: $(for s in "${services[@]}"; do printf '%s=%s(pid %s) ' "$s" "$(active "$s")" "$(main_pid "$s")"; done)"
say "gateway answers an unknown host with $(gateway_answers)"

failed=0
for victim in "${services[@]}"; do
  declare -A before=()
  for s in "${services[@]}"; do before[$s]="$(main_pid "$s")"; done
  restarts_before="$(restarts "$victim")"
  inside systemctl kill -s SIGKILL "deployflow-$victim"
  sleep 1
  during="$( [ "$victim" = gateway ] && echo skipped || gateway_answers )"
  for _ in $(seq 1 60); do
    [ "$(active "$victim")" = active ] && [ "$(main_pid "$victim")" != "${before[$victim]}" ] && [ "$(main_pid "$victim")" != 0 ] && break; sleep 1
  done
  others_ok=1
  for s in "${services[@]}"; do
    [ "$s" = "$victim" ] && continue
    { [ "$(main_pid "$s")" = "${before[$s]}" ] && [ "$(active "$s")" = active ]; } || others_ok=0
  done
  victim_back=0
  [ "$(active "$victim")" = active ] && [ "$(restarts "$victim")" -gt "$restarts_before" ] && victim_back=1
  say "SIGKILL deployflow-$victim: restarted by systemd $([ $victim_back = 1 ] && echo yes || echo NO) (pid ${before[$victim]} → $(main_pid "$victim"), NRestarts $restarts_before → $(restarts "$victim")); the other three kept their pids and stayed active: $([ $others_ok = 1 ] && echo yes || echo NO); gateway answer while it was down: $during"
  { [ $victim_back = 1 ] && [ $others_ok = 1 ]; } || failed=1
  wait_all_active || failed=1
done
[ $failed = 0 ] || { say "FAILED"; exit 1; }
say "all passed: each of the four units was killed once and only that one restarted"
