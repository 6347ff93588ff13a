// Cold start (scale to zero): request in → answer out for an app that is asleep, through the real
// gateway and control (the gateway holds the request, publishes a wake, control starts the stopped
// container, health-gates it and republishes the route). Floor beside it in the same run, on the
// same stopped container: plain `docker start` + the first 200 from its published port, then
// `docker stop` again before the measured wake. Goal: ≤ 1.2× the floor and ≤ 1 s.
// Knob: BENCH_COLDSTART_ROUNDS (3).
import http from 'node:http';
import { listAppContainers } from '../builder/index.js';
import { startOpsStack, waitFor } from '../test/ops-fixtures.js';
import { median as med } from './support/procs.js';
import { firstOk, publishedPort, startGatewayInProcess } from './support/start.js';

const rounds = Number(process.env.BENCH_COLDSTART_ROUNDS ?? 3);
const APP = 'bench-cold';
const s = await startOpsStack();
const gateway = await startGatewayInProcess(s.control.config);

const get = (): Promise<number> =>
  new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: gateway.port, path: '/', headers: { host: `${APP}.paas.test` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', () => resolve(0));
  });

const asleep = async (): Promise<boolean> =>
  (await s.route(APP))?.sleeping === true && (await listAppContainers(s.docker, APP)).every((c) => !c.running);
const wakes: number[] = [];
const floors: number[] = [];
const controlMs: number[] = [];
let failed = 0;
try {
  await s.deploy(APP, 'v1');
  const patched = await s.owner.request('PATCH', `/api/v1/apps/${APP}`, { scaleToZero: { idleSeconds: 1 } });
  if (patched.status !== 200) throw new Error(`PATCH scaleToZero: ${patched.status}`);
  for (let i = 0; i < rounds; i++) {
    await waitFor(asleep, 'the app to sleep', 60_000);
    // The floor: the same stopped container, started by hand.
    const [stopped] = await listAppContainers(s.docker, APP);
    const c = s.docker.getContainer(stopped!.id);
    const f0 = performance.now();
    await c.start();
    await firstOk(await publishedPort(c), 5);
    floors.push(performance.now() - f0);
    await c.stop({ t: 2 });

    const t0 = performance.now();
    const status = await get();
    const took = performance.now() - t0;
    if (status !== 200) failed++;
    else wakes.push(took);
    const state = (await s.owner.get(`/api/v1/apps/${APP}/status`)).body.sleep as { lastColdStartMs: number };
    controlMs.push(state.lastColdStartMs);
  }
} finally {
  await gateway.stop();
  await s.cleanup([APP]);
}

const fmt = (xs: number[]): string => `median ${Math.round(med(xs))} ms  (${xs.map((x) => Math.round(x)).join(', ')})`;
console.log(`\ncold start from sleep, ${rounds} rounds, one replica (tiny Node app, memory 64 MB)`);
console.log(`floor: docker start of the stopped container + first 200:      ${fmt(floors)}`);
console.log(`DeployFlow: request in → 200 out through gateway + control:   ${fmt(wakes)}`);
console.log(`control's own figure (wake asked → route published awake):    ${fmt(controlMs)}`);
if (wakes.length > 0 && floors.length > 0)
  console.log(`ratio: ${(med(wakes) / med(floors)).toFixed(2)}× the floor (goal ≤ 1.2× and ≤ 1000 ms)`);
console.log(`failed requests: ${failed}`);
