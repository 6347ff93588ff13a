#!/usr/bin/env bash
# One idempotent prerequisite step for `make up`, `make test` and `make bench`: installs what is
# missing (Debian/Ubuntu packages, Node dependencies) and starts the Docker Engine when none
# answers. Safe to run again and again; it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_packages=(docker.io redis-server git busybox-static openssh-client ca-certificates)
[ "${DEPLOYFLOW_PREREQS_BROWSER:-1}" = 1 ] && want_packages+=(chromium)
[ "${DEPLOYFLOW_PREREQS_BENCH:-0}" = 1 ] && want_packages+=(nginx-light dnsmasq-base wrk dnsutils dnsperf)

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
if ! docker info >/dev/null 2>&1; then
  echo "prereqs: starting the Docker Engine"
  mkdir -p /var/log/deployflow
  if ! [ -S /run/containerd/containerd.sock ]; then
    nohup containerd >/var/log/deployflow/containerd.log 2>&1 &
    for _ in $(seq 1 50); do [ -S /run/containerd/containerd.sock ] && break; sleep 0.2; done
  fi
  nohup dockerd --containerd=/run/containerd/containerd.sock >/var/log/deployflow/dockerd.log 2>&1 &
  for _ in $(seq 1 100); do docker info >/dev/null 2>&1 && break; sleep 0.3; done
  docker info >/dev/null 2>&1 || { echo "prereqs: dockerd did not start; see /var/log/deployflow/dockerd.log" >&2; exit 1; }
fi

# Node dependencies: `npm ci` whenever the lock file is newer than the installed tree.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "prereqs: npm ci"
  npm ci --no-audit --no-fund >/dev/null
fi
echo "prereqs: ready"
