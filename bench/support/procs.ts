// Shared pieces of the gateway/dns benchmarks: child processes that are always cleaned up, a
// private nginx, private Redis, wrk and dnsperf runners with their figures parsed out.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export function start(file: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${buf.slice(-500)}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = pattern.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${buf.slice(-500)}`)));
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} exited ${code}: ${out.slice(-500)}`))));
  });
}

export async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = start('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no']);
  await waitForPort(port);
  return { url: `redis://127.0.0.1:${port}`, child };
}

/** nginx in the foreground with its own prefix; `body` is the http{} content. */
export async function startNginx(body: string, port: number): Promise<ChildProcess> {
  const dir = tmpDir('df-nginx-');
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `worker_processes 1;\nerror_log ${dir}/error.log crit;\npid ${dir}/nginx.pid;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;\n${body}\n}\n`,
  );
  const child = start('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;']);
  await waitForPort(port);
  return child;
}

export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** wrk with latency percentiles; figures in requests/s and milliseconds. */
export async function wrk(url: string, host: string, seconds: number, connections: number, headers: string[] = []): Promise<WrkResult> {
  const extra = headers.flatMap((h) => ['-H', h]);
  const out = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', `Host: ${host}`, ...extra, url]);
  const ms = (label: string): number => {
    const m = new RegExp(`${label}%\\s+([0-9.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([0-9.]+)/.exec(out)?.[1] ?? NaN),
    p50: ms('50'),
    p99: ms('99'),
    errors: Number(errors?.[1] ?? 0) + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Percentile 50 of unsorted figures (of an even count, the upper of the two middle ones). */
export function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

/** Every pid in the process tree under `pid` (nginx's worker, the gateway's cluster workers). */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${pids[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of fs.readFileSync(`/proc/${pids[i]}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) pids.push(Number(c));
      } catch {
        /* the task ended */
      }
    }
  }
  return pids;
}

/** CPU seconds (user, system) used so far by `pid` and everything under it. */
export function treeCpuSeconds(pid: number): { user: number; system: number } {
  const tick = 100; // USER_HZ on Linux
  let user = 0;
  let system = 0;
  for (const p of processTree(pid)) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are 14th and 15th.
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      user += Number(fields[11]) / tick;
      system += Number(fields[12]) / tick;
    } catch {
      /* the process ended */
    }
  }
  return { user, system };
}

/** CPU ticks of the whole machine so far (busy, idle), from /proc/stat. */
export function machineTicks(): { busy: number; idle: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return { busy: f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!, idle: f[3]! + f[4]! };
}
