// Gateway vs nginx (1 worker, keep-alive upstream pool — the proxy it replaces) vs direct, all on
// the same upstream (an nginx answering a short body), measured with wrk one after another.
// Goal (issue 4): gateway ≥ 1.0× nginx requests/s, p99 ≤ 1.5× nginx's.
// Also measured: two floors written for Node (support/node-floor-proxy.ts: bytes copied both ways,
// then the same with Node's HTTP parser run over them) — ceilings for any Node gateway here — and
// the CPU each row costs per request, its own process tree's and the whole machine's (when the
// machine is saturated, requests/s is bounded by that cost).
// Knobs: BENCH_SECONDS (10), BENCH_CONNECTIONS (64), BENCH_GATEWAY_WORKERS ("1,2"),
// BENCH_GATEWAY_ENGINES ("fast,http": GATEWAY_ENGINE values, each measured in the same run),
// BENCH_GATEWAY_NODE_ARGS (extra node flags for the gateway, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { freePort, machineTicks, start, startNginx, stop, treeCpuSeconds, waitForLine, wrk, type WrkResult } from './support/procs.js';
import { startGatewayProcess, startNginxUpstream, startRouteTable } from './support/start.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const workerCounts = (process.env.BENCH_GATEWAY_WORKERS ?? '1,2').split(',').map(Number);
const engines = (process.env.BENCH_GATEWAY_ENGINES ?? 'fast,http').split(',');
const host = 'web.paas.local';

const { port: upstreamPort, child: upstream } = await startNginxUpstream();
const nginxPort = await freePort();
const nginx = await startNginx(
  `
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 128; keepalive_requests 100000; }
  server {
    listen 127.0.0.1:${nginxPort};
    keepalive_requests 100000;
    location / {
      proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host; proxy_set_header X-Forwarded-For $remote_addr; proxy_set_header X-Forwarded-Proto $scheme;
    }
  }`,
  nginxPort,
);

const routes = await startRouteTable();
await routes.publisher.setAppRoutes('web', [host], [{ host: '127.0.0.1', port: upstreamPort }]);

interface Row extends WrkResult {
  userUs: number;
  systemUs: number;
  machineUs: number;
  idlePercent: number;
}

/**
 * wrk against `url`, and the CPU the process tree `pid` spent per request meanwhile: on a box
 * where load generator, proxy and upstream share the cores, a proxy's requests/s is bounded by
 * what it costs everyone else, so its CPU per request is the figure to improve.
 */
async function measure(name: string, url: string, pid: number): Promise<[string, Row]> {
  await wrk(url, host, 2, connections); // warm-up: JIT, pools, TCP
  const before = treeCpuSeconds(pid);
  const machineBefore = machineTicks();
  const r = await wrk(url, host, seconds, connections);
  const after = treeCpuSeconds(pid);
  const machineAfter = machineTicks();
  const requests = r.rps * seconds;
  const busy = machineAfter.busy - machineBefore.busy;
  const idle = machineAfter.idle - machineBefore.idle;
  return [
    name,
    {
      ...r,
      userUs: ((after.user - before.user) / requests) * 1e6,
      systemUs: ((after.system - before.system) / requests) * 1e6,
      machineUs: (busy / 100 / requests) * 1e6, // ticks are 1/100 s
      idlePercent: (idle / (busy + idle)) * 100,
    },
  ];
}

const rows: [string, Row][] = [];
rows.push(await measure('direct', `http://127.0.0.1:${upstreamPort}/`, upstream.pid!));
rows.push(await measure('nginx (1 worker)', `http://127.0.0.1:${nginxPort}/`, nginx.pid!));
for (const mode of ['bytes', 'parsed']) {
  const port = await freePort();
  const floor = start(process.execPath, ['--import', 'tsx', 'bench/support/node-floor-proxy.ts', String(port), String(upstreamPort), mode]);
  await waitForLine(floor, /ready/);
  rows.push(await measure(`node floor, ${mode}`, `http://127.0.0.1:${port}/`, floor.pid!));
  await stop(floor);
}
for (const workers of workerCounts)
  for (const engine of engines) {
    const { port, child: gw } = await startGatewayProcess(routes.url, {
      nodeArgs: (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean),
      env: { GATEWAY_ACCESS_LOG: process.env.BENCH_ACCESS_LOG ?? 'off', GATEWAY_WORKERS: String(workers), GATEWAY_ENGINE: engine },
    });
    rows.push(await measure(`gateway ${engine} (${workers}w)`, `http://127.0.0.1:${port}/`, gw.pid!));
    await stop(gw);
  }

const nginxRow = rows[1]![1];
console.log(`\nwrk -t1 -c${connections} -d${seconds}s --latency (after a 2 s warm-up), Host: ${host}`);
console.log(
  'CPU µs/req: the measured process tree (for "direct", the upstream itself), user + system; machine: all processes, and the share of the run the CPUs were idle',
);
console.log(
  '"node floor": bytes copied both ways unparsed, or run through Node\'s HTTP parser both ways — no Node gateway can cost less (support/node-floor-proxy.ts)',
);
console.log(
  'target                 req/s     p50 ms   p99 ms   errors   vs nginx req/s   vs nginx p99   CPU µs/req (user+sys)   machine µs/req   idle',
);
for (const [name, r] of rows) {
  console.log(
    `${name.padEnd(20)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(8)} ${String(r.errors).padStart(8)} ${(r.rps / nginxRow.rps).toFixed(2).padStart(12)}× ${(r.p99 / nginxRow.p99).toFixed(2).padStart(12)}×   ${(r.userUs + r.systemUs).toFixed(1).padStart(6)} (${r.userUs.toFixed(1)} + ${r.systemUs.toFixed(1)})   ${r.machineUs.toFixed(1).padStart(12)}   ${r.idlePercent.toFixed(0).padStart(3)}%`,
  );
}

await Promise.all([stop(upstream), stop(nginx), routes.stop()]);
