// Route-change propagation: time from the publish call to the first request the gateway serves
// from the new upstream, polled over a keep-alive connection. Goal (issue 4): p99 ≤ 50 ms.
// Knobs: BENCH_ROUTE_CHANGES (300).
import { request, startUpstream } from '../gateway/testing/harness.js';
import { percentile, stop } from './support/procs.js';
import { startGatewayProcess, startRouteTable } from './support/start.js';

const changes = Number(process.env.BENCH_ROUTE_CHANGES ?? 300);
const routes = await startRouteTable();
const pub = routes.publisher;
const ups = [await startUpstream('blue'), await startUpstream('green')];
const host = 'web.paas.local';
await pub.setAppRoutes('web', [host], [{ host: '127.0.0.1', port: ups[0]!.port }]);

const { port, child: gw } = await startGatewayProcess(routes.url, { dataDirPrefix: 'df-bench-routes-' });

const samples: number[] = [];
let timeouts = 0;
for (let i = 1; i <= changes; i++) {
  const target = ups[i % 2]!;
  const t0 = performance.now();
  await pub.setAppRoutes('web', [host], [{ host: '127.0.0.1', port: target.port }]);
  const deadline = t0 + 2000;
  for (;;) {
    const r = await request(port, host);
    if (r.body.startsWith(target.name)) {
      samples.push(performance.now() - t0);
      break;
    }
    if (performance.now() > deadline) {
      timeouts++;
      break;
    }
  }
}
samples.sort((a, b) => a - b);
console.log(`\n${changes} route changes (setAppRoutes → first response from the new upstream), gateway in its own process`);
console.log(
  `p50 ${percentile(samples, 50).toFixed(2)} ms   p99 ${percentile(samples, 99).toFixed(2)} ms   max ${samples.at(-1)!.toFixed(2)} ms   not seen within 2 s: ${timeouts}`,
);

await stop(gw);
for (const u of ups) await u.close();
await routes.stop();
