#!/usr/bin/env bash
# One idempotent prerequisite step for `make up`, `make test` and `make bench`: installs what is
# missing (Debian/Ubuntu packages, Node dependencies) and starts the Docker Engine when none
# answers. Safe to run again and again; it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Everything a test spawns is listed, with its package, in test/support/programs.ts (checked by
# test/prereqs.test.ts): git, dig (dnsutils), ssh and ssh-keygen (openssh-client), redis-server,
# pebble, chromium, docker (docker.io), busybox (busybox-static), bash, tar, npm (nodejs), unshare (util-linux), mount,
# iptables and ip6tables (the build network's rules), du (coreutils: the build disk watcher);
# dockerd, containerd, ip (iproute2), nsenter (util-linux) and umount (mount) for the swarm tests'
# private engines;
# the compose test also copies redis-cli (redis-tools) and setcap (libcap2-bin) into a test base image.
# procps: pgrep, used below. make, g++ and python3: `npm ci` builds the native addons (better-sqlite3,
# argon2) from source when no prebuilt binary can be downloaded.
want_packages=(docker.io containerd iproute2 iptables coreutils tar redis-server redis-tools git busybox-static openssh-client
  ca-certificates bash util-linux mount libcap2-bin procps make g++ python3)
[ "${DEPLOYFLOW_PREREQS_BROWSER:-1}" = 1 ] && want_packages+=(chromium)
# Test-only: Pebble, Let's Encrypt's test CA, issues real ACME certificates on loopback in the tests.
# systemd-analyze (systemd) checks the units in deploy/systemd; no running systemd is needed.
# docker-compose (v1; the only Compose in Debian 12) runs the compose stack test; docker-registry
# (Debian's build of distribution) is the two-node Swarm test's registry.
[ "${DEPLOYFLOW_PREREQS_TESTS:-1}" = 1 ] && want_packages+=(pebble dnsutils systemd docker-compose docker-registry)
[ "${DEPLOYFLOW_PREREQS_BENCH:-0}" = 1 ] && want_packages+=(nginx-light dnsmasq-base wrk dnsperf)
# scripts/fresh-machine.sh builds a clean Debian root to prove the README on.
[ "${DEPLOYFLOW_PREREQS_FRESH:-0}" = 1 ] && want_packages+=(debootstrap)

missing=()
for p in "${want_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "prereqs: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Docker Engine: start containerd and dockerd ourselves when no engine answers (no systemd here).
# A machine may come from a snapshot that kept /run: a socket or pid file there proves nothing, so
# containerd is asked whether it answers, and leftovers of dead daemons are removed first.
containerd_answers() { timeout 5 ctr --address /run/containerd/containerd.sock version >/dev/null 2>&1; }
show_log_and_fail() {
  echo "prereqs: $1 did not start; the end of /var/log/deployflow/$1.log:" >&2
  tail -n 20 "/var/log/deployflow/$1.log" >&2 || true
  exit 1
}
if ! docker info >/dev/null 2>&1; then
  echo "prereqs: starting the Docker Engine"
  mkdir -p /var/log/deployflow
  if ! containerd_answers; then
    pgrep -x containerd >/dev/null || rm -f /run/containerd/containerd.sock /run/containerd/containerd.sock.ttrpc
    nohup containerd >/var/log/deployflow/containerd.log 2>&1 &
    for _ in $(seq 1 100); do containerd_answers && break; sleep 0.3; done
    containerd_answers || show_log_and_fail containerd
  fi
  pgrep -x dockerd >/dev/null || rm -f /var/run/docker.pid /var/run/docker.sock
  pgrep -x dockerd >/dev/null || nohup dockerd --containerd=/run/containerd/containerd.sock >/var/log/deployflow/dockerd.log 2>&1 &
  for _ in $(seq 1 200); do docker info >/dev/null 2>&1 && break; sleep 0.3; done
  docker info >/dev/null 2>&1 || show_log_and_fail dockerd
fi

# Node dependencies: `npm ci` whenever the lock file is newer than the installed tree.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "prereqs: npm ci"
  npm ci --no-audit --no-fund >/dev/null
fi
echo "prereqs: ready"
