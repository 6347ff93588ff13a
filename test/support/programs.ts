// Every program a test or the platform spawns, with the Debian package that brings it. The
// prerequisites script (scripts/prereqs.sh) installs these packages for `make test`; a test that
// still meets a missing program fails with one line naming the package instead of an ENOENT.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Program → Debian package. Test-time programs only; `make bench` adds its own (nginx, wrk, dnsmasq, dnsperf). */
export const TEST_PROGRAMS: Readonly<Record<string, string>> = {
  git: 'git',
  dig: 'dnsutils',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  setcap: 'libcap2-bin',
  'docker-compose': 'docker-compose',
  pebble: 'pebble',
  chromium: 'chromium',
  docker: 'docker.io',
  busybox: 'busybox-static',
  ldd: 'libc-bin',
  npx: 'nodejs',
  npm: 'nodejs',
  tar: 'tar',
  bash: 'bash',
  unshare: 'util-linux',
  mount: 'mount',
  'systemd-analyze': 'systemd',
  iptables: 'iptables',
  ip6tables: 'iptables',
  'iptables-restore': 'iptables',
  'ip6tables-restore': 'iptables',
  du: 'coreutils',
  // The swarm tests' private Docker Engine (test/support/extra-engine.ts).
  dockerd: 'docker.io',
  containerd: 'containerd',
  ip: 'iproute2',
  nsenter: 'util-linux',
  'docker-registry': 'docker-registry',
  umount: 'mount',
};

/** The absolute path of `program` on PATH, or null. */
export function findProgram(program: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not in this folder */
    }
  }
  return null;
}

/** Throws one line naming the Debian package when `program` is not installed. */
export function requireProgram(program: string): string {
  const found = findProgram(program);
  if (found) return found;
  const pkg = TEST_PROGRAMS[program] ?? 'unknown package';
  throw new Error(`${program} is not installed: apt-get install ${pkg} (make test installs it through scripts/prereqs.sh)`);
}
