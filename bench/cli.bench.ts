// CLI start time: how long `deployflow` takes to answer, beside the floor of starting Node at all
// (`node -e 0`), measured the same way (spawn → first byte on stdout, and → exit), run after run.
// `apps` asks a real control running in its own process (one HTTP round trip on loopback). Goal
// (issue 13): a command starts answering in ≤ 0.3 s. Knobs: BENCH_CLI_RUNS (20).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '../test/support/control.js';
import { freePort, percentile, start, stop, tmpDir, waitForPort } from './support/procs.js';

const runs = Number(process.env.BENCH_CLI_RUNS ?? 20);
const BIN = path.join(import.meta.dirname, '..', 'bin', 'deployflow');
const port = await freePort();
const dataDir = tmpDir('df-bench-cli-data-');
const control = start(process.execPath, [BIN, 'control'], {
  DEPLOYFLOW_DATA_DIR: dataDir,
  DEPLOYFLOW_BIND: '127.0.0.1',
  CONTROL_PORT: String(port),
  DEPLOYFLOW_LOG_LEVEL: 'warn',
});
await waitForPort(port, 30_000);
const url = `http://127.0.0.1:${port}`;
const registered = await new Client(url).post('/api/v1/auth/register', { email: 'bench@example.test', password: 'correct horse battery' });
const user = new Client(url, registered.body.accessToken as string);
const token = (await user.post('/api/v1/tokens', { name: 'bench' })).body.token as string;
await user.post('/api/v1/apps', { name: 'bench-app' });
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'df-bench-cli-'));
const env = { PATH: process.env.PATH ?? '', HOME: home, DEPLOYFLOW_URL: url, DEPLOYFLOW_TOKEN: token };

interface Timing {
  firstOutputMs: number;
  exitMs: number;
}

function once(args: string[], extraEnv: Record<string, string> = {}): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = 0;
    const child = spawn(process.execPath, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', () => {
      first ||= performance.now() - t0;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}`));
      const exitMs = performance.now() - t0;
      resolve({ firstOutputMs: first || exitMs, exitMs });
    });
  });
}

async function measure(
  label: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ label: string; first: number[]; exit: number[] }> {
  for (let i = 0; i < 3; i++) await once(args, extraEnv);
  const first: number[] = [];
  const exit: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = await once(args, extraEnv);
    first.push(t.firstOutputMs);
    exit.push(t.exitMs);
  }
  return { label, first: first.sort((a, b) => a - b), exit: exit.sort((a, b) => a - b) };
}

const results = [
  await measure('node -e 0 (floor)', ['-e', 'process.stdout.write("x")']),
  await measure('deployflow --version', [BIN, '--version']),
  await measure('deployflow apps (HTTP to control)', [BIN, 'apps']),
  await measure('deployflow apps --json', [BIN, 'apps', '--json']),
  await measure('deployflow --version, from the sources (tsx)', [BIN, '--version'], { DEPLOYFLOW_FROM_SOURCE: '1' }),
];

const floor = percentile(results[0]!.first, 50);
console.log(`\n${runs} runs each after 3 warm-ups; spawn → first stdout byte, and → exit (ms); dist/ built by make build`);
console.log('| command | first output p50 | p90 | exit p50 | vs floor (p50) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of results) {
  const p50 = percentile(r.first, 50);
  console.log(
    `| ${r.label} | ${p50.toFixed(0)} | ${percentile(r.first, 90).toFixed(0)} | ${percentile(r.exit, 50).toFixed(0)} | ${(p50 / floor).toFixed(2)}× |`,
  );
}

await stop(control);
fs.rmSync(home, { recursive: true, force: true });
fs.rmSync(dataDir, { recursive: true, force: true });
