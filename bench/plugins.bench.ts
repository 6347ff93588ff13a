// Plugin overhead: what the edge plugin chain costs a request, beside a gateway without any
// plugin code, in the same run. Rows (same nginx upstream, same wrk settings, one gateway worker):
//   baseline       — the gateway of commit BENCH_PLUGIN_BASELINE (the last one before the plugin
//                    chain existed), extracted with `git archive` and run from its own tree;
//   no plugins     — today's gateway, a route without a `plugins` field (the plugin-free path);
//   empty chain    — today's gateway, a route with `plugins: []`;
//   basic-auth + headers — today's gateway, a route with both (a valid Authorization header on
//                    every request, so after the first check each is a remembered one);
//   no plugins, same request — the route without plugins sent the very request of the row above
//                    (its Authorization header too), so the two differ only by the plugin code.
// Goals: empty chain ≥ 0.97× baseline; basic-auth + headers ≥ 0.90× no plugins, in requests/s —
// against the same request (what the plugins cost), and printed against the plain request too.
// Each round runs the rows in a rotated order, so no row always follows the same neighbour, and
// the goals are read on the median of the per-round ratios (each pair measured seconds apart).
// The box is shared (other builds and tests move one run by ±20 %), so rows are measured in many
// short interleaved rounds (BENCH_PLUGIN_ROUNDS × BENCH_PLUGIN_SECONDS, default 6 × 5 s) and the
// median taken; the gateway's CPU time per request (user + system, from /proc) is printed too —
// it is what the plugin code adds, and moves much less with the neighbours' load than req/s.
// Knobs: BENCH_CONNECTIONS (64), BENCH_GATEWAY_ENGINE (fast), BENCH_PLUGIN_BASELINE.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compilePluginChain } from '../common/plugins/index.js';
import { stop, tmpDir, treeCpuSeconds, wrk, type WrkResult } from './support/procs.js';
import { startGatewayProcess, startNginxUpstream, startRouteTable } from './support/start.js';

const seconds = Number(process.env.BENCH_PLUGIN_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const rounds = Number(process.env.BENCH_PLUGIN_ROUNDS ?? 6);
const engine = process.env.BENCH_GATEWAY_ENGINE ?? 'fast';
const baselineCommit = process.env.BENCH_PLUGIN_BASELINE ?? '5bd5794';

/** The baseline's source tree, sharing this checkout's node_modules. */
function extractBaseline(): string {
  const dir = tmpDir('df-bench-baseline-');
  const tar = path.join(dir, 'tree.tar');
  const archive = spawnSync('git', ['archive', '--output', tar, baselineCommit], { stdio: 'inherit' });
  if (archive.status !== 0)
    throw new Error(`git archive ${baselineCommit} failed (BENCH_PLUGIN_BASELINE must be a commit of this repository)`);
  const untar = spawnSync('tar', ['-xf', tar, '-C', dir], { stdio: 'inherit' });
  if (untar.status !== 0) throw new Error('tar -xf failed');
  fs.symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

const { port: upstreamPort, child: upstream } = await startNginxUpstream();
const routes = await startRouteTable();
const pub = routes.publisher;
const up = [{ host: '127.0.0.1', port: upstreamPort }];
await pub.setAppRoutes('bare', ['bare.paas.local'], up);
await pub.setAppRoutes('empty', ['empty.paas.local'], up, { plugins: [] });
await pub.setAppRoutes('guarded', ['guarded.paas.local'], up, {
  plugins: compilePluginChain([
    { name: 'basic-auth', config: { users: { bench: 'a long bench password' } } },
    {
      name: 'headers',
      config: { request: { add: { 'x-team': 'bench' } }, response: { add: { 'x-frame-options': 'DENY' }, remove: ['server'] } },
    },
  ]),
});
const auth = `Authorization: Basic ${Buffer.from('bench:a long bench password').toString('base64')}`;

const gateway = (tree: string): ReturnType<typeof startGatewayProcess> =>
  startGatewayProcess(routes.url, { tree, env: { GATEWAY_WORKERS: '1', GATEWAY_ENGINE: engine } });

const baselineDir = extractBaseline();
const old = await gateway(baselineDir);
const current = await gateway(process.cwd());

interface Row {
  name: string;
  port: number;
  pid: number;
  host: string;
  headers: string[];
  runs: WrkResult[];
  cpuSeconds: number;
  requests: number;
}
const row = (name: string, gw: typeof old, host: string, headers: string[] = []): Row => ({
  name,
  port: gw.port,
  pid: gw.child.pid!,
  host,
  headers,
  runs: [],
  cpuSeconds: 0,
  requests: 0,
});
const rows: Row[] = [
  row(`baseline (${baselineCommit})`, old, 'bare.paas.local'),
  row('no plugins', current, 'bare.paas.local'),
  row('empty chain', current, 'empty.paas.local'),
  row('basic-auth + headers', current, 'guarded.paas.local', [auth]),
  row('no plugins, same request', current, 'bare.paas.local', [auth]),
];
for (const r of rows) await wrk(`http://127.0.0.1:${r.port}/`, r.host, 2, connections, r.headers); // warm-up
for (let i = 0; i < rounds; i++) {
  for (const r of [...rows.slice(i % rows.length), ...rows.slice(0, i % rows.length)]) {
    const before = treeCpuSeconds(r.pid);
    const result = await wrk(`http://127.0.0.1:${r.port}/`, r.host, seconds, connections, r.headers);
    const after = treeCpuSeconds(r.pid);
    r.runs.push(result);
    r.cpuSeconds += after.user + after.system - before.user - before.system;
    r.requests += result.rps * seconds;
  }
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const rps = (r: Row): number => median(r.runs.map((x) => x.rps));
const cpuUs = (r: Row): number => (r.cpuSeconds / r.requests) * 1e6;
const [baseline, bare, empty, guarded, sameRequest] = rows as [Row, Row, Row, Row, Row];
console.log(
  `\nplugin overhead, ${engine} engine, 1 worker: wrk -t1 -c${connections} -d${seconds}s, ${rounds} interleaved rounds (rotated) after a 2 s warm-up each`,
);
console.log(
  'row                        req/s (median)  per round                                        p99 ms (median)  CPU µs/req   errors',
);
for (const r of rows) {
  const errors = r.runs.reduce((a, x) => a + x.errors, 0);
  const rounds = r.runs.map((x) => x.rps.toFixed(0)).join(' / ');
  console.log(
    `${r.name.padEnd(27)} ${rps(r).toFixed(0).padStart(10)}   ${rounds.padEnd(48)} ${median(r.runs.map((x) => x.p99))
      .toFixed(2)
      .padStart(8)}   ${cpuUs(r).toFixed(1).padStart(9)}   ${errors}`,
  );
}
/**
 * The two rows' ratio round by round, then its median and range: the box's speed drifts between
 * rounds (±25 % here), and a ratio taken within a round cancels that drift where a ratio of the two
 * rows' medians does not (a slow round can land on one row's median and miss the other's).
 */
const paired = (a: Row, b: Row): { median: number; low: number; high: number } => {
  const ratios = a.runs.map((x, i) => x.rps / b.runs[i]!.rps);
  return { median: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
};
const showPaired = (label: string, p: ReturnType<typeof paired>): string =>
  `${label}: ${p.median.toFixed(3)}× (rounds ${p.low.toFixed(3)}–${p.high.toFixed(3)})`;
const emptyPaired = paired(empty, baseline);
const guardedPaired = paired(guarded, sameRequest);
const emptyRatio = emptyPaired.median;
const guardedRatio = guardedPaired.median;
console.log(
  `ratios of medians: empty chain / baseline ${(rps(empty) / rps(baseline)).toFixed(3)}×, no plugins / baseline ` +
    `${(rps(bare) / rps(baseline)).toFixed(3)}×, basic-auth + headers / same request ${(rps(guarded) / rps(sameRequest)).toFixed(3)}×`,
);
console.log('median of the per-round ratios (the goals are read here):');
console.log(`${showPaired('empty chain vs baseline', emptyPaired)} (goal ≥ 0.97×) ${emptyRatio >= 0.97 ? 'met' : 'NOT met'}`);
console.log(showPaired('no plugins vs baseline', paired(bare, baseline)));
console.log(showPaired('empty chain vs no plugins (the same code: the noise floor)', paired(empty, bare)));
console.log(
  `CPU per request: empty chain ${(cpuUs(empty) - cpuUs(baseline)).toFixed(1)} µs over the baseline, basic-auth + headers ` +
    `${(cpuUs(guarded) - cpuUs(sameRequest)).toFixed(1)} µs over no plugins with the same request ` +
    `(${(cpuUs(guarded) - cpuUs(bare)).toFixed(1)} µs over the plain request)`,
);
console.log(
  `${showPaired('basic-auth + headers vs no plugins, same request', guardedPaired)} (goal ≥ 0.90×) ${guardedRatio >= 0.9 ? 'met' : 'NOT met'}; ` +
    `${showPaired('vs no plugins with the plain request (no Authorization header)', paired(guarded, bare))}`,
);
if (guarded.runs.some((x) => x.errors > 0)) console.log('WARNING: the guarded route answered non-2xx: check the Authorization header');

await Promise.all([stop(old.child), stop(current.child), stop(upstream), routes.stop()]);
fs.rmSync(baselineDir, { recursive: true, force: true });
