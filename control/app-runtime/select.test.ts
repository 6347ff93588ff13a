// The runtime chosen at start, and what the start says about it: a Swarm manager with no
// DEPLOYFLOW_REGISTRY runs apps on itself only, and the operator is told so (a warning); with one,
// the start says images are pushed there. The engine is a stand-in that answers `docker info`.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { pino, type Logger } from 'pino';
import { selectRuntime } from './select.js';

const manager = {
  info: async () => ({ Swarm: { LocalNodeState: 'active', ControlAvailable: true, NodeID: 'mgr-1', Nodes: 2 } }),
} as unknown as Docker;

function capture(): { log: Logger; lines: Array<{ level: number; msg: string; [k: string]: unknown }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

const WARN = 40;

describe('selectRuntime at start', () => {
  it('warns that apps stay on the manager (single-node) when DEPLOYFLOW_REGISTRY is not set', async () => {
    const { log, lines } = capture();
    const runtime = await selectRuntime(manager, { runtime: 'swarm', registry: undefined }, log);
    assert.equal(runtime.kind, 'swarm');
    await new Promise((r) => setImmediate(r));
    const warned = lines.filter((l) => l.level === WARN);
    assert.equal(warned.length, 1, JSON.stringify(lines));
    assert.match(warned[0]!.msg, /DEPLOYFLOW_REGISTRY is not set, so apps run on this manager node only \(single-node\)/);
  });

  it('says the same under auto, and not at all with a registry (images pushed there instead)', async () => {
    const auto = capture();
    assert.equal((await selectRuntime(manager, { runtime: 'auto', registry: undefined }, auto.log)).kind, 'swarm');
    const registry = capture();
    assert.equal((await selectRuntime(manager, { runtime: 'swarm', registry: 'reg.local:5000' }, registry.log)).kind, 'swarm');
    await new Promise((r) => setImmediate(r));
    assert.ok(auto.lines.some((l) => l.level === WARN && /single-node/.test(l.msg)));
    assert.deepEqual(
      registry.lines.map((l) => [l.level, l.msg, l.registry]),
      [[30, 'swarm runtime: images are pushed to DEPLOYFLOW_REGISTRY so every node can run them', 'reg.local:5000']],
    );
  });

  it('says nothing of Swarm on the docker runtime', async () => {
    const { log, lines } = capture();
    assert.equal((await selectRuntime(manager, { runtime: 'docker', registry: undefined }, log)).kind, 'docker');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(lines, []);
  });
});
