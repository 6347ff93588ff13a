#!/usr/bin/env bash
# Runs inside the fresh Debian container that scripts/fresh-machine.sh starts: the steps a person
# takes on a new machine (git, make, Node 20), a clean clone, the README's `make test` and
# `make up`, and then the URLs of the banner tried as printed. /fresh holds the clone source
# (repo.bundle), Node (nodejs.tar) and the network's CA certificates (ca/).
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
step() { echo "fresh-machine: [$(date -u +%T)] $*"; }
fail() { echo "fresh-machine: FAILED: $*" >&2; exit 1; }
failures=()

# What --privileged would have done: /sys and the cgroup hierarchies writable (this container has
# its own cgroup namespace, so a fresh mount shows its own subtree), for the dockerd prereqs.sh starts.
if grep -q ' /sys sysfs ro' /proc/mounts; then
  mount -o remount,rw /sys || fail "remounting /sys read-write"
  if grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts; then
    umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "remounting cgroup2"
  else
    for dir in /sys/fs/cgroup/*/; do
      controller="$(basename "$dir")"
      options="$controller"; [ "$controller" = systemd ] && options="none,name=systemd"
      umount "$dir" && mount -t cgroup -o "$options" cgroup "$dir" || fail "remounting cgroup $controller"
    done
  fi
fi

# What a person does before the README: the network's CA certificates, git and make, Node 20.
step "machine setup: apt-get install ca-certificates git make python3, then Node 20"
apt-get update -qq || fail "apt-get update"
apt-get install -y -qq --no-install-recommends ca-certificates git make python3 >/dev/null || fail "apt-get install"
if ls /fresh/ca/*.crt >/dev/null 2>&1; then
  cp /fresh/ca/*.crt /usr/local/share/ca-certificates/ && update-ca-certificates >/dev/null
fi
tar -C / -xf /fresh/nodejs.tar || fail "unpacking Node"
[ -f /fresh/npmrc ] && cp /fresh/npmrc /root/.npmrc
step "node $(node --version), npm $(npm --version)"

step "clean clone"
git clone -q --no-checkout /fresh/repo.bundle /root/deployflow || fail "git clone"
cd /root/deployflow && git switch -q -c main "$(cat /fresh/commit)" || fail "git switch to the commit under test"
step "at $(git log --oneline -1)"

step "make test${DEPLOYFLOW_FRESH_TESTS:+ (prerequisites, typecheck, lint, build, then only: $DEPLOYFLOW_FRESH_TESTS)}"
t0=$(date +%s)
if [ -n "${DEPLOYFLOW_FRESH_TESTS:-}" ]; then
  # shellcheck disable=SC2086 # a list of test files
  make prereqs typecheck lint web build && node --import tsx --test --test-concurrency=1 --test-timeout=600000 $DEPLOYFLOW_FRESH_TESTS
else
  make test
fi
test_rc=$?
step "make test exited $test_rc after $(( $(date +%s) - t0 )) s"
[ "$test_rc" = 0 ] || failures+=("make test exited $test_rc")

step "make up"
t0=$(date +%s)
make up >/root/up.log 2>&1 &
up_pid=$!
for _ in $(seq 1 600); do
  grep -q 'DeployFlow is running' /root/up.log && break
  kill -0 "$up_pid" 2>/dev/null || break
  sleep 1
done
grep -q 'DeployFlow is running' /root/up.log || { tail -n 40 /root/up.log; fail "make up printed no banner (exited, or 600 s passed)"; }
sleep 1
step "banner after $(( $(date +%s) - t0 )) s:"
sed -n '/DeployFlow is running/,$p' /root/up.log

# The checker's own tool, installed only now so it cannot stand in for a missing prerequisite.
apt-get install -y -qq --no-install-recommends curl >/dev/null || fail "apt-get install curl"
dashboard="$(grep -o 'Dashboard and API: [^ ]*' /root/up.log | head -1 | cut -d' ' -f4)"
remote="$(grep -o 'git remote add deployflow [^ ]*' /root/up.log | head -1 | cut -d' ' -f5)"
apps="$(grep -o 'Apps answer at [^ ]*' /root/up.log | head -1 | cut -d' ' -f4)"
step "dashboard $dashboard, git remote $remote, apps $apps"
[ -n "$dashboard" ] && [ -n "$remote" ] && [ -n "$apps" ] || fail "the banner lacks a URL"
check() { if "$@"; then step "ok: ${label}"; else step "NOT OK: ${label}"; failures+=("$label"); fi; }

label="$dashboard resolves on this machine ($(getent hosts "$(echo "$dashboard" | cut -d/ -f3 | cut -d: -f1)" | head -1))"
check getent hosts "$(echo "$dashboard" | cut -d/ -f3 | cut -d: -f1)"
label="curl $dashboard serves the dashboard"
check sh -c "curl -fsS '$dashboard' | grep -q '<div id=\"root\"'"
label="Chromium renders the dashboard's sign-in page at $dashboard"
check sh -c "chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-background-networking \
  --user-data-dir=\$(mktemp -d) --virtual-time-budget=10000 --dump-dom '$dashboard' >/root/dom.html 2>/root/chromium.log;
  grep -q 'Sign in' /root/dom.html || { tail -c 600 /root/dom.html; tail -n 5 /root/chromium.log; false; }"

# First push as the banner says: register, create an app and an API token, git push.
api="${dashboard%/}/api/v1"
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
access="$(curl -fsS -H 'content-type: application/json' -d '{"email":"first@example.com","password":"fresh-machine-pw"}' "$api/auth/register" | json accessToken)"
curl -fsS -H "authorization: Bearer $access" -H 'content-type: application/json' -d '{"name":"hello","port":8080}' "$api/apps" >/dev/null \
  || failures+=("create the app")
token="$(curl -fsS -H "authorization: Bearer $access" -H 'content-type: application/json' -d '{"name":"push"}' "$api/tokens" | json token)"
# The first account is the admin: it allows the base image made here (the build policy refuses
# images it was not told about).
curl -fsS -XPUT -H "authorization: Bearer $access" -H 'content-type: application/json' \
  -d '{"allowedImages":["fresh/busybox"],"allowHostImages":false}' "$api/settings/builds" >/dev/null || failures+=("allow the base image")
# The app: busybox's httpd in an image made here (nothing can be pulled), with a Dockerfile.
tar -C / -c bin/busybox | docker import - fresh/busybox:1 >/dev/null
mkdir -p /root/hello && cd /root/hello && git init -q -b main
printf 'FROM fresh/busybox:1\nCOPY index.html /www/index.html\nCMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]\n' >Dockerfile
echo 'hello from a fresh machine' >index.html
git add . && git -c user.email=first@example.com -c user.name=first commit -q -m first
url="${remote/<app>/hello}"
git remote add deployflow "${url/http:\/\//http://first:$token@}"
label="git push deployflow main to $url"
check bash -o pipefail -c 'git push deployflow main 2>&1 | tail -n 5'
app_url="${apps/<app>/hello}"
label="curl $app_url answers the app"
# The hosts block follows the route table a moment after the push returns: up to 10 s for the name.
check sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do curl -fsS '$app_url' 2>/dev/null | grep -q 'hello from a fresh machine' && exit 0; sleep 1; done
  curl -sS '$app_url'; exit 1"
cd /root/deployflow

step "make down"
label="make down stops the platform"
check make down
sleep 2
label="the managed /etc/hosts block is gone"
check sh -c "! grep -q deployflow /etc/hosts"

if [ ${#failures[@]} -gt 0 ]; then
  printf 'fresh-machine: FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
step "all passed"
