// Autoscale reaction: seconds from the start of sustained load through the gateway to the moment
// a second replica answers (answers come from two containers), with the default decision timings
// (every 2 s, 6 s short window; the gateway reports every 2 s). Floor beside it in the same run:
// starting one more container of the same image by hand (docker create + start + first 200).
// Between rounds the app is brought back to 1 replica (short long-window and cool-down, which
// play no part in scaling up). Knob: BENCH_AUTOSCALE_ROUNDS (3).
import http from 'node:http';
import { startOpsStack, waitFor } from '../test/ops-fixtures.js';
import { median as med } from './support/procs.js';
import { firstOk, publishedPort, startGatewayInProcess } from './support/start.js';

const rounds = Number(process.env.BENCH_AUTOSCALE_ROUNDS ?? 3);
const APP = 'bench-scale';
const s = await startOpsStack({
  DEPLOYFLOW_AUTOSCALE_WINDOW_SECONDS: '8',
  DEPLOYFLOW_AUTOSCALE_COOLDOWN_SECONDS: '4',
  DEPLOYFLOW_DRAIN_SECONDS: '1',
});
const gateway = await startGatewayInProcess(s.control.config);

const get = (): Promise<string> =>
  new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: gateway.port, path: '/', headers: { host: `${APP}.paas.test` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? (body.trim().split(' ')[1] ?? '') : `status ${res.statusCode}`));
    });
    req.once('error', (err) => resolve(`error ${err.message}`));
  });

const replicas = async (): Promise<number> => (await s.owner.get(`/api/v1/apps/${APP}/status`)).body.autoscale.replicas as number;
const reactions: number[] = [];
const floors: number[] = [];
let failed = 0;
try {
  await s.deploy(APP, 'v1', { autoscale: { minReplicas: 1, maxReplicas: 2, target: { rps: 5 } } });
  const image = (await s.control.service.deps.store.deployments.listByApp(APP, 1))[0]!.image!;
  for (let i = 0; i < rounds; i++) {
    await waitFor(async () => (await replicas()) === 1, 'one replica', 120_000);
    // Quiet figures first, so the round starts from an idle app.
    await new Promise((r) => setTimeout(r, 4000));
    const hosts = new Set<string>();
    let running = true;
    const t0 = performance.now();
    let reaction = 0;
    const loops = Array.from({ length: 4 }, async () => {
      while (running) {
        const answer = await get();
        if (answer.startsWith('status') || answer.startsWith('error')) failed++;
        else {
          hosts.add(answer);
          if (hosts.size >= 2 && !reaction) reaction = performance.now() - t0;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    await waitFor(async () => reaction > 0, 'a second replica answering', 120_000);
    running = false;
    await Promise.all(loops);
    reactions.push(reaction);

    const f0 = performance.now();
    const c = await s.docker.createContainer({
      Image: image,
      Env: ['PORT=8080'],
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    await c.start();
    await firstOk(await publishedPort(c));
    floors.push(performance.now() - f0);
    await c.remove({ force: true });
  }
} finally {
  await gateway.stop();
  await s.cleanup([APP]);
}

const fmt = (xs: number[]): string => `median ${(med(xs) / 1000).toFixed(2)} s  (${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})`;
console.log(`\nautoscale reaction, ${rounds} rounds, ~40 req/s through the gateway against a target of 5 req/s per replica (max 2)`);
console.log(`floor: docker create + start + first 200 of one more container:   ${fmt(floors)}`);
console.log(`DeployFlow: load start → the second replica answers through the gateway: ${fmt(reactions)}`);
console.log(`failed requests during the rounds: ${failed}`);
