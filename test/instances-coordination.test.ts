// Cross-instance coordination on a real Redis with real processes: the fenced app lock (a holder
// paused past its lease has its route write refused, the next holder's goes through; a killed
// holder's lock is free after its lease), the FIFO ticket queue pushes and deploys take turns
// from (in arrival order across processes; a killed holder's turn passes on), and the leader
// lease (another process leads after the leader is SIGKILLed; the figure is printed, the
// assertion is only that it happened before a generous deadline).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { FencedLocks, LeaderLease, TicketQueues } from '../common/coordination/index.js';
import { createRoutePublisher, readRouteTable } from '../common/routes/index.js';
import { startRedis, type TestRedis } from './support/redis.js';

const CHILD = path.join(import.meta.dirname, 'support', 'coordination-child.ts');

interface Child {
  proc: ChildProcess;
  next(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  send(line: string): void;
}

const children = new Set<ChildProcess>();

function child(mode: string, url: string, arg: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, url, arg], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  const seen: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      seen.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
      for (const w of waiters.splice(0)) w();
    }
  });
  let from = 0;
  return {
    proc,
    send: (line) => {
      proc.stdin!.write(line + '\n');
    },
    async next(match) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const i = seen.findIndex((m, k) => k >= from && match(m));
        if (i >= 0) {
          from = i + 1;
          return seen[i]!;
        }
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`child ${mode} never said it; said ${JSON.stringify(seen)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('coordination between instances', () => {
  let redis: TestRedis;
  let client: Redis;
  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    client?.disconnect();
    await redis?.stop();
  });

  it('refuses the route write of a lock holder paused past its lease; the next holder writes', async () => {
    const a = child('lock', redis.url, '600');
    const held = await a.next((m) => 'held' in m);
    a.send('1001');
    assert.deepEqual(await a.next((m) => 'wrote' in m || 'refused' in m), { wrote: 1001 });
    // The holder stops (a long GC, a frozen VM): its renewals stop, its lease runs out.
    a.proc.kill('SIGSTOP');
    const locks = new FencedLocks(client, { ttlMs: 5000 });
    let waited = 0;
    const fence = await locks.run('app:fenced', async (f) => {
      const routes = createRoutePublisher(client, (app) => (app === 'fenced' ? f : null));
      await routes.setAppRoutes('fenced', ['fenced.paas.local'], [{ host: '127.0.0.1', port: 2002 }]);
      // The paused holder wakes up while this one still holds the lock, and tries its write.
      a.proc.kill('SIGCONT');
      a.send('1003');
      const answer = await a.next((m) => 'wrote' in m || 'refused' in m);
      assert.deepEqual(answer, { refused: 1003, code: 'DF_ERR_LOCK_LOST' });
      waited = 1;
      return f;
    });
    assert.equal(waited, 1);
    assert.ok(Number(fence.token) > Number(held.held), `tokens only grow: ${String(held.held)} then ${fence.token}`);
    const table = await readRouteTable(client);
    assert.deepEqual(
      table.routes['fenced.paas.local']?.upstreams.map((u) => u.port),
      [2002],
      'the stale write changed nothing',
    );
    a.proc.kill('SIGKILL');
  });

  it('frees the lock of a killed holder once its lease runs out, never before', async () => {
    const a = child('lock', redis.url, '1500');
    await a.next((m) => 'held' in m);
    const locks = new FencedLocks(client, { ttlMs: 5000 });
    assert.equal(await locks.tryAcquire('app:fenced'), null, 'held by the live child');
    a.proc.kill('SIGKILL');
    const killedAt = Date.now();
    const fence = await locks.run('app:fenced', async (f) => f);
    const ms = Date.now() - killedAt;
    console.log(`# lock of a SIGKILLed holder (lease 1.5 s) taken over after ${ms} ms`);
    assert.ok(fence.token);
  });

  it("gives turns in arrival order across processes and passes a killed holder's turn on", async () => {
    const a = child('ticket', redis.url, '1000');
    assert.deepEqual(await a.next((m) => 'turn' in m), { turn: 1 });
    const tickets = new TicketQueues(client, { ttlMs: 5000 });
    const mine = await tickets.take('push:shared', 'test');
    assert.equal(mine.ahead, 1);
    const b = child('ticket', redis.url, '5000');
    assert.deepEqual(await b.next((m) => 'seq' in m), { seq: 3, ahead: 2 });
    let mineReady = false;
    void mine.ready.then(() => {
      mineReady = true;
    });
    await sleep(300);
    assert.equal(mineReady, false, 'waits while the first holder lives');
    assert.deepEqual(await tickets.holders('push:shared'), [`child-${a.proc.pid}`, 'test', `child-${b.proc.pid}`]);
    a.proc.kill('SIGKILL');
    await mine.ready; // after the killed holder's lease ran out
    await sleep(300);
    assert.equal(b.proc.exitCode, null);
    await mine.end();
    assert.deepEqual(await b.next((m) => 'turn' in m), { turn: 3 }, 'the third comes after the second ended');
    b.proc.kill('SIGKILL');
  });

  it('hands the leader lease to another process after the leader is SIGKILLed', async () => {
    const ttl = '10000'; // the default lease
    const a = child('leader', redis.url, ttl);
    await a.next((m) => m.leading === true);
    const b = child('leader', redis.url, ttl);
    await b.next((m) => 'started' in m);
    await sleep(500);
    assert.equal(await LeaderLease.current(client, 'reconciler'), `child-${a.proc.pid}`);
    a.proc.kill('SIGKILL');
    const killedAt = Date.now();
    const took = await b.next((m) => m.leading === true);
    const ms = Number(took.at) - killedAt;
    // Waited for up to a minute (next) so that a slow take-over is reported with its figure, then held to issue 14's 30 s.
    console.log(`# leader lease (10 s) taken over ${ms} ms after SIGKILL`);
    assert.ok(ms < 30_000, `the lease was taken over ${ms} ms after the leader's SIGKILL, not within 30 000 ms`);
    assert.equal(await LeaderLease.current(client, 'reconciler'), `child-${b.proc.pid}`);
    b.proc.kill('SIGKILL');
  });
});
