// The dns2 resolver vs dnsmasq answering the same names (the domain wildcard) from memory,
// measured with dnsperf one after the other. Goal (issue 4): ≥ 0.5× dnsmasq queries/s.
// Knobs: BENCH_SECONDS (10).
import fs from 'node:fs';
import path from 'node:path';
import { freePort, run, start, startRedis, stop, tmpDir, waitForLine, waitForPort } from './support/procs.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const dir = tmpDir('df-bench-dns-');
const queries = path.join(dir, 'queries.txt');
// A spread of names under the domain, mixed A/AAAA, as browsers ask.
fs.writeFileSync(queries, Array.from({ length: 1000 }, (_, i) => `app${i}.paas.local ${i % 4 === 0 ? 'AAAA' : 'A'}`).join('\n') + '\n');

interface PerfResult {
  qps: number;
  lost: number;
  avgMs: number;
}

async function dnsperf(port: number): Promise<PerfResult> {
  const args = ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-l', String(seconds), '-c', '4', '-q', '200', '-t', '2'];
  await run('dnsperf', [...args.slice(0, 6), '-l', '2', ...args.slice(8)]); // warm-up
  const out = await run('dnsperf', args);
  return {
    qps: Number(/Queries per second:\s+([0-9.]+)/.exec(out)?.[1] ?? NaN),
    lost: Number(/Queries lost:\s+(\d+)/.exec(out)?.[1] ?? NaN),
    avgMs: Number(/Average Latency \(s\):\s+([0-9.]+)/.exec(out)?.[1] ?? NaN) * 1000,
  };
}

const masqPort = await freePort();
const dnsmasq = start('dnsmasq', [
  '-k',
  '-C',
  '/dev/null',
  '--port',
  String(masqPort),
  '--listen-address=127.0.0.1',
  '--bind-interfaces',
  '--no-resolv',
  '--no-hosts',
  '--address=/paas.local/127.0.0.1',
  '--address=/paas.local/::1',
  '--user=root',
  '--pid-file=',
]);
await waitForPort(masqPort);
const masq = await dnsperf(masqPort);
await stop(dnsmasq);

const redis = await startRedis();
const ours = start(process.execPath, ['--import', 'tsx', 'bench/support/dns-process.ts'], {
  REDIS_URL: redis.url,
  DEPLOYFLOW_DATA_DIR: dir,
  DEPLOYFLOW_BIND: '127.0.0.1',
  DNS_PORT: String(await freePort()),
  DEPLOYFLOW_PUBLIC_IP: '127.0.0.1,::1',
});
const ready = await waitForLine(ours, /dns ready udp:\/\/[0-9.]+:(\d+)/);
const ourPort = Number(/:(\d+)$/.exec(ready)![1]);
const mine = await dnsperf(ourPort);
await stop(ours);
await stop(redis.child);

console.log(`\ndnsperf -c 4 -q 200 -l ${seconds} over 1000 names under paas.local (75% A, 25% AAAA), after a 2 s warm-up`);
console.log('server              queries/s   lost   avg ms   vs dnsmasq');
for (const [name, r] of [
  ['dnsmasq', masq],
  ['deployflow dns', mine],
] as const) {
  console.log(
    `${name.padEnd(18)} ${r.qps.toFixed(0).padStart(10)} ${String(r.lost).padStart(6)} ${r.avgMs.toFixed(3).padStart(8)} ${(r.qps / masq.qps).toFixed(2).padStart(10)}×`,
  );
}
