import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../common/config/config.js';
import { formatResult, MIN_FREE_BYTES, runChecks, withoutPassword, type Probes } from './checks.js';

const config = loadConfig({ DEPLOYFLOW_DATA_DIR: '/srv/deployflow', REDIS_URL: 'redis://:s3cret@127.0.0.1:6379' });

/** A machine where everything works and DeployFlow runs; each test breaks one thing. */
function healthy(over: Partial<Probes> = {}): Probes {
  return {
    lookup: async () => ['127.0.0.1'],
    listening: async () => true,
    bindable: async () => 'free',
    platformRunning: async () => true,
    programInstalled: () => true,
    dockerVersion: async () => ({ version: '26.1.5', apiVersion: '1.45' }),
    redisPing: async () => undefined,
    diskSpace: () => ({ free: 50 * 1024 ** 3, total: 100 * 1024 ** 3, path: '/srv/deployflow' }),
    localCa: () => ({ file: '/srv/deployflow/tls/ca.crt', trusted: true }),
    ...over,
  };
}

async function lines(probes: Probes, c = config): Promise<string[]> {
  return (await runChecks(c, probes)).map(formatResult);
}

void test('a healthy machine: every line OK, each naming what it saw', async () => {
  const out = await lines(healthy());
  assert.ok(
    out.every((l) => l.startsWith('OK')),
    out.join('\n'),
  );
  assert.ok(out.includes('OK    names       paas.local resolves to 127.0.0.1'));
  assert.ok(out.includes('OK    port 80     gateway http: listening'));
  assert.ok(out.includes('OK    docker      Docker 26.1.5 answers (API 1.45)'));
  assert.ok(out.includes('OK    redis       Redis answers at redis://:***@127.0.0.1:6379'), 'the password is never printed');
  assert.ok(out.some((l) => /^OK {4}disk {8}50\.0 GiB free of 100\.0 GiB for \/srv\/deployflow$/.test(l)));
  assert.equal(out.filter((l) => l.includes(' port ')).length, 6, 'control, gateway http/https, dns, git http/ssh');
});

void test('a domain that does not resolve fails with the way to fix it', async () => {
  const [names] = await lines(
    healthy({
      lookup: async () => {
        throw new Error('ENOTFOUND');
      },
    }),
  );
  assert.match(
    names!,
    /^FAIL {2}names {7}paas\.local does not resolve on this machine — fix: run `make up` .*\/etc\/hosts.*DeployFlow's DNS/,
  );
});

void test('ports: taken by another program while DeployFlow is stopped, silent while it runs, or not ours to bind', async () => {
  const stopped = await lines(healthy({ platformRunning: async () => false, listening: async (_h, port) => port === 443 }));
  assert.ok(
    stopped.includes(
      'FAIL  port 443    gateway https: taken by another program — fix: stop that program, or set GATEWAY_HTTPS_PORT to a free port',
    ),
  );
  assert.ok(stopped.includes('OK    port 80     gateway http: free'));
  const running = await lines(healthy({ listening: async (_h, port) => port !== 53 }));
  assert.ok(running.some((l) => l.startsWith('FAIL  port 53     dns: nothing listens although DeployFlow runs — fix: ')));
  const user = await lines(
    healthy({
      platformRunning: async () => false,
      listening: async () => false,
      bindable: async (_h, p) => (p < 1024 ? 'denied' : 'free'),
    }),
  );
  assert.ok(
    user.includes('FAIL  port 80     gateway http: this user may not listen on it — fix: run as root, or set GATEWAY_HTTP_PORT above 1023'),
  );
  const zero = await lines(healthy(), loadConfig({ DNS_PORT: '0' }));
  assert.ok(!zero.some((l) => l.includes('dns:')), 'a port left to the kernel (0) is not checked');
});

void test('no Docker on the machine names the package; an installed one that does not answer says how to start it', async () => {
  const down = async (): Promise<never> => {
    throw new Error('connect ENOENT /var/run/docker.sock');
  };
  const missing = await lines(healthy({ dockerVersion: down, programInstalled: (p) => p !== 'docker' && p !== 'dockerd' }));
  assert.ok(missing.includes('FAIL  docker      Docker is not installed — fix: apt-get install docker.io (`make up` installs it)'));
  const stopped = await lines(healthy({ dockerVersion: down }));
  assert.ok(
    stopped.some((l) =>
      /^FAIL {2}docker {6}Docker does not answer \(connect ENOENT .*\) — fix: start it: `systemctl start docker`/.test(l),
    ),
  );
});

void test('Redis: not installed, not answering, or a REDIS_URL that does not answer', async () => {
  const refuse = async (): Promise<never> => {
    throw new Error('ECONNREFUSED');
  };
  const plain = loadConfig({});
  const missing = await lines(healthy({ redisPing: refuse, programInstalled: (p) => p !== 'redis-server' }), plain);
  assert.ok(
    missing.includes('FAIL  redis       Redis is not installed — fix: apt-get install redis-server (`make up` installs and starts it)'),
  );
  const stopped = await lines(healthy({ redisPing: refuse }), plain);
  assert.ok(
    stopped.some((l) =>
      l.includes('Redis does not answer at redis://127.0.0.1:6379 (ECONNREFUSED) — fix: start one: `bash scripts/start-redis.sh`'),
    ),
  );
  const configured = await lines(healthy({ redisPing: refuse }));
  assert.ok(configured.some((l) => l.endsWith('fix: start that Redis, or correct REDIS_URL') && !l.includes('s3cret')));
});

void test('a nearly full disk fails; the CA is a warning when missing or untrusted, never a failure', async () => {
  const full = await lines(healthy({ diskSpace: () => ({ free: MIN_FREE_BYTES - 1, total: 10 * 1024 ** 3, path: '/' }) }));
  assert.ok(
    full.some((l) =>
      /^FAIL {2}disk {8}2\.0 GiB free of 10\.0 GiB for \/srv\/deployflow \(on \/\): builds need at least 2\.0 GiB — fix: `docker system prune`/.test(
        l,
      ),
    ),
  );
  const untrusted = await lines(healthy({ localCa: () => ({ file: '/srv/deployflow/tls/ca.crt', trusted: false }) }));
  assert.ok(
    untrusted.some(
      (l) =>
        l.startsWith('WARN  local CA    /srv/deployflow/tls/ca.crt is not trusted here') &&
        l.endsWith(
          'fix: cp /srv/deployflow/tls/ca.crt /usr/local/share/ca-certificates/deployflow.crt && update-ca-certificates (browsers: import it)',
        ),
    ),
  );
  const none = await lines(healthy({ localCa: () => null }));
  assert.ok(none.some((l) => l.startsWith('WARN  local CA    not made yet')));
});

void test('URLs lose their password for display only', () => {
  assert.equal(withoutPassword('redis://user:pw@h:1/0'), 'redis://user:***@h:1/0');
  assert.equal(withoutPassword('redis://h:1'), 'redis://h:1');
});
