// Container log line → browser: a container prints `tick <epoch ms>` every 50 ms; a Socket.IO
// client (as the dashboard uses it) subscribed to the app's logs measures how long each line
// took to arrive (same host, same clock). Goal (issue 5): ≤ 200 ms. Also prints the dashboard's
// initial JavaScript, gzipped (goal < 300 KB). Knobs: BENCH_REALTIME_LINES (200).
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Docker from 'dockerode';
import tarFs from 'tar-fs';
import { purgeApp } from '../builder/index.js';
import { DIST_DIR } from '../control/dashboard/static.js';
import { ensureNodeBaseImage } from '../test/support/base-image.js';
import { registerUser, startTestControl } from '../test/support/control.js';
import { connectSocket } from '../test/support/realtime.js';
import { percentile, tmpDir } from './support/procs.js';

const LINES = Number(process.env.BENCH_REALTIME_LINES ?? 200);
const APP = 'bench-ticker';
const docker = new Docker();

const TICKER = `
const http = require('node:http');
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT));
setInterval(() => console.log('tick ' + Date.now()), 50);
process.on('SIGTERM', () => process.exit(0));
`;

async function buildTicker(): Promise<string> {
  const dir = tmpDir('df-bench-ticker-');
  fs.writeFileSync(path.join(dir, 'server.js'), TICKER);
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    `FROM ${await ensureNodeBaseImage(docker)}\nWORKDIR /srv\nCOPY server.js .\nUSER node\nCMD ["node", "server.js"]\n`,
  );
  const tag = 'deployflow-bench/ticker:1';
  const stream = await docker.buildImage(tarFs.pack(dir) as unknown as NodeJS.ReadableStream, { t: tag });
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  fs.rmSync(dir, { recursive: true, force: true });
  return tag;
}

function initialJsGzipped(): { files: string[]; bytes: number } {
  const html = fs.readFileSync(path.join(DIST_DIR, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const bytes = files.reduce((n, f) => n + gzipSync(fs.readFileSync(path.join(DIST_DIR, f))).length, 0);
  return { files, bytes };
}

const image = await buildTicker();
const control = await startTestControl({ DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS: '20', DEPLOYFLOW_DRAIN_SECONDS: '0' });
let failed = false;
try {
  const owner = await registerUser(control.url);
  await owner.post('/api/v1/apps', { name: APP, port: 8080 });
  const started = await owner.post(`/api/v1/apps/${APP}/deployments`, { image });
  if (started.status !== 202) throw new Error(`deploy refused: ${JSON.stringify(started.body)}`);
  for (let i = 0; ; i++) {
    const d = (await owner.get(`/api/v1/deployments/${started.body.id}`)).body;
    if (d.status === 'running') break;
    if (d.status === 'failed' || i > 300) throw new Error(`deploy did not run: ${d.error}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const client = await connectSocket(control.url, owner.token!);
  const latencies: number[] = [];
  const done = new Promise<void>((resolve) => {
    client.socket.on('app:log', (e: { line: string }) => {
      const m = /tick (\d+)/.exec(e.line);
      if (!m) return;
      latencies.push(Date.now() - Number(m[1]));
      if (latencies.length >= LINES + 20) resolve();
    });
  });
  const ack = await client.request('subscribe', { app: APP, stream: 'logs' });
  if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
  await Promise.race([
    done,
    new Promise((_r, reject) => setTimeout(() => reject(new Error(`only ${latencies.length} lines arrived`)), 60_000)),
  ]);
  client.close();
  // The first lines include the follower attaching to the container; the steady state follows.
  const steady = latencies.slice(20).sort((a, b) => a - b);
  console.log(`\n${steady.length} container log lines → Socket.IO client (follower in control, one process, loopback)`);
  console.log(
    `p50 ${percentile(steady, 50)} ms   p99 ${percentile(steady, 99)} ms   max ${steady.at(-1)} ms   goal ≤ 200 ms: ${percentile(steady, 99) <= 200 ? 'met' : 'NOT met'}`,
  );
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await purgeApp(docker, APP).catch(() => undefined);
  await control.stop();
}
if (fs.existsSync(path.join(DIST_DIR, 'index.html'))) {
  const js = initialJsGzipped();
  console.log(
    `dashboard initial JS: ${(js.bytes / 1024).toFixed(1)} KB gzipped (${js.files.join(', ')}); goal < 300 KB: ${js.bytes < 300 * 1024 ? 'met' : 'NOT met'}`,
  );
}
process.exit(failed ? 1 : 0);
