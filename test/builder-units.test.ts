// Pure and local pieces of the builder: container specs, names, build output parsing, log
// demuxing, the build semaphore and the health probes (against local loopback servers).
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { after, describe, it } from 'node:test';
import { BuildKitProgress, STATUS_RESPONSE } from '../builder/build/buildkit.js';
import { createBuilder } from '../builder/build/builder.js';
import { LineSplitter, parseEvent } from '../builder/build/progress.js';
import { Semaphore } from '../builder/build/semaphore.js';
import { demuxLogs } from '../builder/docker/logs.js';
import { containerName, deploymentShort, parseImageRef, volumeName } from '../builder/docker/names.js';
import { containerPlan, validateRelease, type ReleaseSpec } from '../builder/docker/specs.js';
import type { ContainerState, DockerRunner } from '../builder/docker/runner.js';
import { HealthFailure, nextProbeDelay, probeHttp, probeTcp, waitHealthy } from '../builder/release/health.js';
import { freeReplicaNumbers } from '../builder/release/replicas.js';
import type { AppName } from '../common/names/validate.js';

const spec: ReleaseSpec = {
  app: 'hello',
  deploymentId: 'dep-123',
  image: 'deployflow/hello:dep-123',
  replicas: 2,
  port: 5000,
  env: { A: '1' },
  limits: { memoryMb: 256, cpus: 0.5 },
};

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

describe('container specs', () => {
  it('lock the container down and publish on loopback only', () => {
    const plan = containerPlan(validateRelease(spec), 2);
    const o = plan.options;
    assert.equal(plan.name, 'hello.dep123.2');
    assert.deepEqual(o.Env, ['A=1', 'PORT=5000']);
    assert.deepEqual(o.HostConfig?.PortBindings, { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    assert.deepEqual(o.HostConfig?.CapDrop, ['ALL']);
    assert.deepEqual(o.HostConfig?.SecurityOpt, ['no-new-privileges']);
    assert.equal(o.HostConfig?.Memory, 256 * 1024 * 1024);
    assert.equal(o.HostConfig?.NanoCpus, 5e8);
    assert.equal(o.HostConfig?.PidsLimit, 256);
    assert.equal(o.HostConfig?.NetworkMode, 'paas-network');
    assert.deepEqual(o.NetworkingConfig?.EndpointsConfig?.['paas-network']?.Aliases, ['hello']);
    assert.equal(o.Labels?.['deployflow.app'], 'hello');
    assert.equal(o.Labels?.['deployflow.deployment'], 'dep-123');
  });

  it('refuse bad input before Docker sees it', () => {
    const bad: Array<Partial<ReleaseSpec>> = [
      { app: 'Bad_Name' },
      { app: 'admin' },
      { deploymentId: '../x' },
      { image: 'UPPER' },
      { replicas: -1 },
      { replicas: 99 },
      { port: 0 },
      { limits: { memoryMb: 1, cpus: 1 } },
      { limits: { memoryMb: 64, cpus: 0 } },
      { env: { 'BAD-KEY': 'x' } },
      { healthcheck: { path: 'no-slash' } },
      { volumes: [{ name: 'data', path: '/etc' }] },
      { volumes: [{ name: '../x', path: '/data' }] },
      { capAdd: ['SYS_ADMIN'] },
      { labels: { 'Bad Key': 'x' } },
    ];
    for (const override of bad) assert.throws(() => containerPlan(validateRelease({ ...spec, ...override }), 1), JSON.stringify(override));
  });

  it('names: short deployment ids, volumes per app, free replica numbers', () => {
    assert.equal(deploymentShort('0f8c2b1a-aaaa-bbbb'), '0f8c2b1aaaaa');
    assert.equal(volumeName('hello' as AppName, 'data'), 'deployflow.hello.data');
    // Two apps never share a Docker volume, however their names and volume names split at "-".
    assert.notEqual(volumeName('shop' as AppName, 'db-data'), volumeName('shop-db' as AppName, 'data'));
    for (const bad of ['data.v1', 'Data', '-x', '', 'a/b']) assert.throws(() => volumeName('hello' as AppName, bad), /Volume names/, bad);
    assert.equal(containerName('hello' as AppName, 'd1', 3), 'hello.d1.3');
    for (const ok of ['deployflow/hello:Dep-1', 'registry.local:5000/team/app:v1', `sha256:${'a'.repeat(64)}`, 'node:20-alpine'])
      assert.equal(parseImageRef(ok), ok);
    for (const bad of ['Upper/x', '-x', 'a b', 'x:-tag', 'x;rm']) assert.throws(() => parseImageRef(bad), bad);
    assert.deepEqual(
      freeReplicaNumbers(new Set(['hello.d1.1', 'hello.d1.3']), (n) => `hello.d1.${n}`, 3),
      [2, 4, 5],
    );
  });
});

describe('build output', () => {
  it('turns Docker JSON lines into plain log lines, errors and the image id', () => {
    const split = new LineSplitter();
    assert.deepEqual(split.push('{"stream":"Step 1/2 : FROM x\\n ---> abc\\n"}\n{"str'), ['{"stream":"Step 1/2 : FROM x\\n ---> abc\\n"}']);
    assert.deepEqual(split.push('eam":"\\u001b[1mhi\\u001b[0m\\r\\n"}\n'), ['{"stream":"\\u001b[1mhi\\u001b[0m\\r\\n"}']);
    assert.deepEqual(parseEvent('{"stream":"Step 1/2 : FROM x\\n ---> abc\\n"}').lines, ['Step 1/2 : FROM x', ' ---> abc']);
    assert.deepEqual(parseEvent('{"stream":"\\u001b[1mhi\\u001b[0m\\r\\n"}').lines, ['hi']);
    assert.equal(parseEvent('{"errorDetail":{"message":"boom"},"error":"boom"}').error, 'boom');
    assert.equal(parseEvent('{"aux":{"ID":"sha256:1"}}').imageId, 'sha256:1');
  });

  it('demuxes container logs', () => {
    const frame = (stream: number, text: string): Buffer => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    assert.deepEqual(demuxLogs(Buffer.concat([frame(1, 'out 1\nout'), frame(2, ' 2\nerr\n')])), ['out 1', 'out 2', 'err']);
    assert.deepEqual(demuxLogs(Buffer.from('plain\n')), ['plain']);
  });
});

describe('semaphore', () => {
  it('runs at most `limit` at once, in arrival order, and tells waiters', async () => {
    const s = new Semaphore(1);
    const order: string[] = [];
    const waits: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const a = s.run(async () => {
      order.push('a');
      await gate;
    });
    const b = s.run(
      async () => {
        order.push('b');
      },
      (n) => waits.push(n),
    );
    const c = s.run(
      async () => {
        order.push('c');
      },
      (n) => waits.push(n),
    );
    assert.equal(s.queued, 2);
    release();
    await Promise.all([a, b, c]);
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.deepEqual(waits, [1, 2]);
    assert.equal(s.running, 0);
  });

  it('runs two at once with a limit of 2; one that asks for every slot runs alone, and those behind it wait their turn', async () => {
    const s = new Semaphore(2);
    const gates = new Map<string, () => void>();
    const running = new Set<string>();
    const seen: string[] = [];
    const job = (name: string) => async () => {
      running.add(name);
      seen.push(`${name} with ${[...running].sort().join('+')}`);
      await new Promise<void>((r) => gates.set(name, r));
      running.delete(name);
    };
    const tick = () => new Promise((r) => setImmediate(r));
    const a = s.run(job('a'));
    const b = s.run(job('b'));
    const alone = s.run(job('alone'), undefined, 2);
    const c = s.run(job('c'));
    await tick();
    assert.deepEqual(seen, ['a with a', 'b with a+b'], 'two at once; the heavy one and c behind it wait');
    assert.equal(s.queued, 2);
    gates.get('a')!();
    await tick();
    assert.deepEqual(seen.length, 2, 'one free slot is not enough for the one that runs alone, and c does not pass it');
    gates.get('b')!();
    await tick();
    assert.deepEqual(seen.slice(2), ['alone with alone']);
    gates.get('alone')!();
    await tick();
    assert.deepEqual(seen.slice(3), ['c with c']);
    gates.get('c')!();
    await Promise.all([a, b, alone, c]);
    assert.equal(s.running, 0);
  });
});

describe('health probes', () => {
  it('HTTP: 2xx/3xx pass, 5xx and refused connections fail', async () => {
    let status = 302;
    const server = http.createServer((_req, res) => {
      res.writeHead(status);
      res.end();
    });
    const port = await listen(server);
    try {
      assert.equal((await probeHttp(port, '/health')).ok, true);
      status = 503;
      assert.deepEqual(await probeHttp(port, '/health'), { ok: false, reason: 'GET /health answered 503' });
    } finally {
      server.close();
    }
    assert.equal((await probeHttp(port, '/')).ok, false);
  });

  it('TCP: a connection that is held passes; one hung up at once (a proxy with nothing behind) fails', async () => {
    const held = net.createServer(() => undefined);
    const hangup = net.createServer((s) => s.destroy());
    const [p1, p2] = [await listen(held), await listen(hangup)];
    try {
      assert.equal((await probeTcp(p1, 100)).ok, true);
      assert.equal((await probeTcp(p2, 100)).ok, false);
    } finally {
      held.close();
      hangup.close();
    }
  });
});

describe('waiting for health', () => {
  /** A clock whose sleeps pass at once, recorded. */
  function fakeClock(): { now(): number; sleep(ms: number): Promise<void>; slept: number[] } {
    let t = 0;
    const slept: number[] = [];
    return {
      now: () => t,
      sleep: (ms) => {
        slept.push(ms);
        t += ms;
        return Promise.resolve();
      },
      slept,
    };
  }
  /** Docker as health.ts sees it: a state per call, counted. */
  function fakeRunner(states: (call: number) => ContainerState): { runner: DockerRunner; calls: () => number } {
    let calls = 0;
    return { runner: { state: () => Promise.resolve(states(calls++)) } as unknown as DockerRunner, calls: () => calls };
  }
  const running = (hostPort: number): ContainerState => ({
    running: true,
    status: 'running',
    exitCode: 0,
    restartCount: 0,
    hostPort,
    error: '',
  });

  it('polls every 20 ms for two seconds, then backs off to the interval', () => {
    assert.equal(nextProbeDelay(0, 0, 250), 20);
    assert.equal(nextProbeDelay(1_999, 20, 250), 20);
    assert.equal(nextProbeDelay(2_000, 20, 250), 40);
    assert.equal(nextProbeDelay(2_040, 40, 250), 80);
    assert.equal(nextProbeDelay(3_000, 160, 250), 250);
    assert.equal(nextProbeDelay(0, 0, 10), 10, 'never slower than a shorter configured interval');
  });

  it('returns the published port at the first probe that passes, asking Docker only every few probes', async () => {
    let answers = 0;
    const server = http.createServer((_req, res) => {
      answers++;
      res.writeHead(answers >= 8 ? 200 : 503);
      res.end();
    });
    const port = await listen(server);
    try {
      const clock = fakeClock();
      const docker = fakeRunner(() => running(port));
      assert.equal(await waitHealthy({ runner: docker.runner, clock, timeoutMs: 10_000 }, 'c1', 3000, { path: '/' }), port);
      assert.equal(answers, 8);
      assert.deepEqual(clock.slept, [20, 20, 20, 20, 20, 20, 20]);
      assert.equal(docker.calls(), 2, 'state asked at the first and the sixth probe');
    } finally {
      server.close();
    }
  });

  it('a container that exits is reported within a few probes, not at the deadline', async () => {
    const clock = fakeClock();
    const docker = fakeRunner((call) =>
      call === 0
        ? { running: true, status: 'running', exitCode: 0, restartCount: 0, hostPort: 9, error: '' }
        : { running: false, status: 'exited', exitCode: 3, restartCount: 0, hostPort: undefined, error: '' },
    );
    await assert.rejects(
      waitHealthy({ runner: docker.runner, clock, timeoutMs: 60_000 }, 'c2', 3000, { path: '/' }),
      (err: unknown) => err instanceof HealthFailure && err.message === 'container exited with code 3',
    );
    assert.ok(clock.now() <= 100, `found after ${clock.now()} ms of polling`);
  });
});

describe('BuildKit output', () => {
  const ts = (s: number): { seconds: number; nanos: number } => ({ seconds: s, nanos: 0 });
  const aux = (msg: object): string => Buffer.from(STATUS_RESPONSE.encode(STATUS_RESPONSE.fromObject(msg)).finish()).toString('base64');

  it('renders steps as docker build --progress=plain does: numbered, output lines whole, CACHED, DONE, ERROR', () => {
    const p = new BuildKitProgress();
    assert.deepEqual(p.lines(aux({ vertexes: [{ digest: 'a', name: '[1/2] FROM base', started: ts(10) }] })), ['#1 [1/2] FROM base']);
    assert.deepEqual(
      p.lines(
        aux({
          vertexes: [
            { digest: 'a', name: '[1/2] FROM base', started: ts(10), completed: ts(11) },
            { digest: 'b', name: '[2/2] RUN make', started: ts(11) },
          ],
        }),
      ),
      ['#1 DONE 1.0s', '#2 [2/2] RUN make'],
      'a step already announced is not announced again',
    );
    // Output arrives in pieces that do not respect lines; a redraw (\r) keeps its last state.
    assert.deepEqual(p.lines(aux({ logs: [{ vertex: 'b', msg: Buffer.from('compiling\nhalf a ') }] })), ['#2 compiling']);
    assert.deepEqual(p.lines(aux({ logs: [{ vertex: 'b', msg: Buffer.from('line\n10%\r100%\nno newline yet') }] })), [
      '#2 half a line',
      '#2 100%',
    ]);
    assert.deepEqual(
      p.lines(aux({ vertexes: [{ digest: 'b', name: '[2/2] RUN make', started: ts(11), completed: ts(14), error: 'exit code: 2' }] })),
      ['#2 no newline yet', '#2 ERROR: exit code: 2'],
    );
    assert.deepEqual(
      p.lines(aux({ vertexes: [{ digest: 'c', name: '[2/2] COPY . .', started: ts(20), completed: ts(20), cached: true }] })),
      ['#3 [2/2] COPY . .', '#3 CACHED'],
    );
    assert.deepEqual(p.lines('not protobuf at all!'), []);
  });

  it('decodes what Docker Engine 20.10 really sends, through parseEvent', () => {
    // One trace line captured from dockerd (the FROM step done, WORKDIR from the cache).
    const real =
      'Cp0BCkdzaGEyNTY6N2ZiNmM4ZjdlZjcwMjAxOTlhN2Q2ZDFjYzk1Nzk0Mjk5ZGZjMGUxNmY0ZWIzYTUyMjk2NGYwZGYzMTAzYWIwOBo2WzEvM10gRlJPTSBkb2NrZXIuaW8vZGVwbG95Zmxvdy10ZXN0L25vZGUtYmFzZToyMC4yMC4yKgwIwbOl2AYQgOe/nAMyDAjBs6XYBhCHu8acAwrEAQpHc2hhMjU2OjlmZDlhOTRkMjZmODAzZTZhMDEwMTBkMDEwZTBlZDk3YzJmYmZkY2MyZmY2N2RkYzBlM2JkYTllNzQ5Y2IyMTESR3NoYTI1Njo3ZmI2YzhmN2VmNzAyMDE5OWE3ZDZkMWNjOTU3OTQyOTlkZmMwZTE2ZjRlYjNhNTIyOTY0ZjBkZjMxMDNhYjA4GhJbMi8zXSBXT1JLRElSIC9zcnYgASoMCMGzpdgGELPly5wDMgwIwbOl2AYQuOfNnAM=';
    const event = parseEvent(JSON.stringify({ id: 'moby.buildkit.trace', aux: real }), new BuildKitProgress());
    assert.deepEqual(event.lines, [
      '#1 [1/3] FROM docker.io/deployflow-test/node-base:20.20.2',
      '#1 DONE 0.0s',
      '#2 [2/3] WORKDIR /srv',
      '#2 CACHED',
    ]);
    assert.equal(parseEvent('{"id":"moby.image.id","aux":{"ID":"sha256:abc"}}').imageId, 'sha256:abc');
  });

  it('falls back to the classic builder, once and for good, when the engine refuses BuildKit', async () => {
    const asked: Array<string | undefined> = [];
    const docker = {
      buildImage: (context: NodeJS.ReadableStream, opts: { version?: string }) => {
        asked.push(opts.version);
        (context as unknown as Readable).resume();
        if (opts.version === '2') return Promise.reject(new Error('(HTTP code 500) server error - buildkit not supported by daemon'));
        return Promise.resolve(Readable.from([Buffer.from('{"stream":"Step 1/1 : FROM base\\n"}\n{"aux":{"ID":"sha256:1"}}\n')]));
      },
      getImage: () => ({ inspect: () => Promise.resolve({ Config: { ExposedPorts: { '9000/tcp': {} } } }) }),
    } as unknown as Docker;
    // `base` is a platform base image, so the build policy lets the Dockerfile use it.
    const builder = createBuilder({ docker, images: { node: 'base', static: 's', python: 'p', go: 'g' } });
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'df-fallback-'));
    after(() => fsp.rm(dir, { recursive: true, force: true }));
    await fsp.writeFile(path.join(dir, 'Dockerfile'), 'FROM base\n');
    const lines: string[] = [];
    const first = await builder.build({ app: 'fallback', deploymentId: 'f1', source: { kind: 'dir', dir }, log: (l) => lines.push(l) });
    assert.equal(first.port, 9000);
    assert.ok(
      lines.some((l) => l.includes('BuildKit is not available on this Docker Engine')) && lines.includes('Step 1/1 : FROM base'),
      lines.join('\n'),
    );
    await builder.build({ app: 'fallback', deploymentId: 'f2', source: { kind: 'dir', dir }, log: () => undefined });
    assert.deepEqual(asked, ['2', undefined, undefined], 'BuildKit is not asked again');
  });

  it('runs as many builds at once as it is allowed, and the next one waits for a slot', async () => {
    let started = 0;
    const finish: Array<() => void> = [];
    const docker = {
      buildImage: (context: NodeJS.ReadableStream) => {
        started++;
        (context as unknown as Readable).resume();
        return new Promise<Readable>((resolve) => finish.push(() => resolve(Readable.from([Buffer.from('{"aux":{"ID":"sha256:1"}}\n')]))));
      },
      getImage: () => ({ inspect: () => Promise.resolve({ Config: {} }) }),
    } as unknown as Docker;
    const builder = createBuilder({ docker, images: { node: 'base', static: 's', python: 'p', go: 'g' }, maxConcurrentBuilds: 2 });
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'df-slots-'));
    after(() => fsp.rm(dir, { recursive: true, force: true }));
    await fsp.writeFile(path.join(dir, 'Dockerfile'), 'FROM base\n');
    const logs: string[][] = [[], [], []];
    const builds = logs.map((lines, i) =>
      builder.build({ app: `slots${i}`, deploymentId: `d${i}`, source: { kind: 'dir', dir }, log: (l) => lines.push(l) }),
    );
    while (started < 2) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(started, 2, 'the third build waits');
    assert.equal(builder.running, 2);
    assert.ok(
      logs[2]!.some((l) => l.includes('Waiting for a build slot (number 1 in the queue)')),
      logs[2]!.join('\n'),
    );
    finish.shift()!();
    while (started < 3) await new Promise((r) => setTimeout(r, 5));
    finish.splice(0).forEach((f) => f());
    await Promise.all(builds);
    assert.equal(builder.running, 0);
  });
});
