// The images' HEALTHCHECK: `node deploy/docker/healthcheck.js <service>` exits 0 when the
// service answers on the port its environment names, 1 otherwise. Plain JavaScript, so a probe
// every few seconds costs one Node start and no TypeScript compile.
import dns from 'node:dns/promises';
import http from 'node:http';

const service = process.argv[2];
const port = (name, fallback) => Number(process.env[name] || fallback);

/** Any HTTP answer below 500 (or every answer, when `anyStatus`) means the server is up. */
function httpProbe(p, path, headers = {}, anyStatus = false) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: p, path, headers, timeout: 4000 }, (res) => {
      res.resume();
      resolve(anyStatus || (res.statusCode ?? 500) < 500);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}

/** Any DNS answer (even NXDOMAIN or REFUSED) means the resolver is up; a timeout does not. */
async function dnsProbe(p) {
  const resolver = new dns.Resolver({ timeout: 3000, tries: 1 });
  resolver.setServers([`127.0.0.1:${p}`]);
  try {
    await resolver.resolveSoa(process.env.DEPLOYFLOW_DOMAIN || 'paas.local');
    return true;
  } catch (err) {
    return !['ETIMEOUT', 'ECONNREFUSED', 'ECANCELLED'].includes(err.code);
  }
}

const probes = {
  control: () => httpProbe(port('CONTROL_PORT', 5000), '/health'),
  git: () => httpProbe(port('GIT_HTTP_PORT', 5001), '/'),
  // An unrouted host: the gateway itself answers (404), whatever the apps behind it do.
  gateway: () => httpProbe(port('GATEWAY_HTTP_PORT', 80), '/', { host: 'healthcheck.invalid' }, true),
  dns: () => dnsProbe(port('DNS_PORT', 53)),
};

const probe = probes[service];
if (!probe) {
  console.error(`usage: healthcheck.js ${Object.keys(probes).join(' | ')}`);
  process.exit(2);
}
process.exit((await probe()) ? 0 : 1);
