#!/usr/bin/env bash
# Proves the README on a truly clean system: builds a fresh Debian root with debootstrap (minbase:
# less than a cloud image has), imports it as a local image, and in a privileged container of it
# (its own dockerd, as scripts/prereqs.sh starts one) clones this repository and runs the README's
# two commands, `make test` and `make up`, then checks that the banner's dashboard URL, git URL and
# an app URL answer there (curl, Chromium, git push). See docs/operations.md#proving-a-fresh-machine.
#
#   bash scripts/fresh-machine.sh                       # the whole suite (long: 20 min here when quiet, 48 min on 2 busy cores)
#   DEPLOYFLOW_FRESH_TESTS='test/prereqs.test.ts test/doctor.test.ts' bash scripts/fresh-machine.sh
#                                                       # prerequisites, typecheck, lint, build, then only these tests
#
# Settings: DEPLOYFLOW_FRESH_CACHE (the debootstrap tarball, kept between runs; default
# /var/cache/deployflow/fresh), DEPLOYFLOW_FRESH_MIRROR (default: the first Debian mirror this
# machine's apt uses), DEPLOYFLOW_FRESH_SUITE (bookworm), DEPLOYFLOW_FRESH_REF (the commit to clone;
# default HEAD), DEPLOYFLOW_FRESH_CA_DIR (extra CA certificates the network needs, default
# /usr/local/share/ca-certificates), DEPLOYFLOW_FRESH_KEEP=1 (leave the container for a look).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

DEPLOYFLOW_PREREQS_FRESH=1 DEPLOYFLOW_PREREQS_BROWSER=0 DEPLOYFLOW_PREREQS_TESTS=0 bash scripts/prereqs.sh

suite="${DEPLOYFLOW_FRESH_SUITE:-bookworm}"
cache="${DEPLOYFLOW_FRESH_CACHE:-/var/cache/deployflow/fresh}"
ref="${DEPLOYFLOW_FRESH_REF:-HEAD}"
ca_dir="${DEPLOYFLOW_FRESH_CA_DIR:-/usr/local/share/ca-certificates}"
mirror="${DEPLOYFLOW_FRESH_MIRROR:-}"
if [ -z "$mirror" ]; then
  # deb822 (URIs: …) or one-line (deb URL suite …) sources; the first Debian archive wins.
  mirror="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }')"
  [ -n "$mirror" ] || mirror="$(cat /etc/apt/sources.list 2>/dev/null | awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }')"
  [ -n "$mirror" ] || mirror="http://deb.debian.org/debian"
fi

# 1. The Debian root, debootstrapped once and kept as a tarball.
mkdir -p "$cache/apt-archives"   # downloaded .deb files, kept between runs to spare the mirror
tarball="$cache/debian-$suite-minbase.tar"
if [ ! -s "$tarball" ]; then
  root="$(mktemp -d "$cache/root.XXXXXX")"
  echo "fresh-machine: debootstrap $suite from $mirror"
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
  # apt inside the container uses the same mirror (and security archive) as debootstrap did.
  printf 'deb %s %s main\ndeb %s %s-updates main\n' "$mirror" "$suite" "$mirror" "$suite" >"$root/etc/apt/sources.list"
  tar -C "$root" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
  rm -rf "$root"
fi
image="deployflow-fresh:$(sha256sum "$tarball" | cut -c1-12)"
if ! docker image inspect "$image" >/dev/null 2>&1; then
  echo "fresh-machine: importing $tarball as $image"
  docker import "$tarball" "$image" >/dev/null
fi

# 2. What goes into the container: a clone source, Node 20 and this network's CA certificates.
work="$(mktemp -d /tmp/deployflow-fresh.XXXXXX)"
git bundle create "$work/repo.bundle" "$ref" 2>/dev/null
# The commit itself: a bundle of a branch (DEPLOYFLOW_FRESH_REF=main) has no HEAD to check out.
git rev-parse "$ref^{commit}" >"$work/commit"
# Node 20 is not in Debian 12 (it has 18). This machine got it from NodeSource's `nodejs` package,
# whose repository is not reachable from here, so the container gets that package's files as
# installed on this machine (with the npm it was upgraded to); on a real machine, install NodeSource's
# nodejs (https://github.com/nodesource/distributions) instead. npm's global settings go along.
dpkg-query -W nodejs >/dev/null
{ dpkg -L nodejs | while read -r f; do [ -f "$f" ] || [ -L "$f" ] && echo "${f#/}"; done
  echo usr/lib/node_modules/npm
  [ -f /usr/etc/npmrc ] && echo usr/etc/npmrc
} | sort -u | tar -C / -cf "$work/nodejs.tar" -T - 2>/dev/null
# This machine's own npm settings (here: build native addons against Node's installed headers, as
# nothing can be downloaded from nodejs.org) are part of the machine, so they go along too.
[ -f "$HOME/.npmrc" ] && cp "$HOME/.npmrc" "$work/npmrc"
mkdir -p "$work/ca"
cp "$ca_dir"/*.crt "$work/ca/" 2>/dev/null || true
cp scripts/fresh-machine-inside.sh "$work/inside.sh"

# 3. The run: a container with what `--privileged` would give its dockerd (every capability, no
# seccomp or AppArmor profile, writable /sys and cgroups: fresh-machine-inside.sh remounts them in
# its own cgroup namespace), less the capabilities this machine's own processes lack — Docker's
# --privileged asks for all of them and fails where the host is itself sandboxed.
# Its own /var/lib/docker is on a volume (overlay2 cannot sit on the container's overlay root).
caps=(--cap-add ALL)
bounding=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE
  NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT
  SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
  WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
for i in "${!names[@]}"; do (( bounding >> i & 1 )) || caps+=(--cap-drop "${names[$i]}"); done
name="deployflow-fresh-$$"
volume="$name-docker"
docker volume create "$volume" >/dev/null
# A network of its own: Docker's embedded DNS then resolves names through this machine's resolver,
# which the default bridge's copy of /etc/resolv.conf may not reach (it does not here).
docker network create "$name" >/dev/null
cleanup() {
  if [ "${DEPLOYFLOW_FRESH_KEEP:-0}" != 1 ]; then
    docker rm -f "$name" >/dev/null 2>&1 || true
    docker volume rm -f "$volume" >/dev/null 2>&1 || true
    docker network rm "$name" >/dev/null 2>&1 || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT
echo "fresh-machine: running the README in $name (image $image, ref $(git rev-parse --short "$ref"))"
start=$(date +%s)
set +e
docker run --name "$name" --hostname fresh-machine --network "$name" --cgroupns=private "${caps[@]}" \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
  -v "$work:/fresh:ro" -v "$volume:/var/lib/docker" -v "$cache/apt-archives:/var/cache/apt/archives" \
  -e DEPLOYFLOW_FRESH_TESTS="${DEPLOYFLOW_FRESH_TESTS:-}" \
  "$image" bash /fresh/inside.sh
rc=$?
set -e
echo "fresh-machine: finished with exit code $rc after $(( $(date +%s) - start )) s"
exit "$rc"
