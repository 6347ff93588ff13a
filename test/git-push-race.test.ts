// Pushes that overlap: one app's pushes take turns from the hook until git has moved the ref, a
// push that waited finds its branch moved and is refused before anything deploys, access is asked
// again when a push's turn comes (not only when it began), and parallel token guesses over HTTP
// get no more lookups than the limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PushEvent } from '../git/index.js';
import { remoteLines, startTestGit, type Run, type TestGit } from './git-fixtures.js';

describe('overlapping pushes', () => {
  let g: TestGit;
  before(async () => {
    g = await startTestGit();
    g.tokens.set('tok-alice', 'alice').set('tok-bob', 'bob');
    g.grants.push({ user: 'alice', app: 'raced', mode: 'write' }, { user: 'bob', app: 'raced', mode: 'write' });
  });
  after(async () => { await g.cleanup(); });

  /** A deploy handler that holds each deploy until released, recording what it deployed. */
  function heldDeploys(): { deployed: PushEvent[]; started: Promise<void>; release(): void } {
    const deployed: PushEvent[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let started!: () => void;
    const startedP = new Promise<void>((r) => { started = r; });
    // Never hang the suite: a deploy that has not started within 20 s fails the test instead.
    setTimeout(() => { started(); release(); }, 20_000).unref();
    g.handler = async (event, out) => {
      deployed.push(event);
      out(`-----> deploying ${event.newCommit.slice(0, 7)}`);
      started();
      await gate;
      return { ok: true, message: 'Deployed' };
    };
    return { deployed, started: startedP, release };
  }

  async function waitForLine(pushing: { stderr: () => string }, pattern: RegExp): Promise<void> {
    for (let i = 0; i < 500 && !pattern.test(pushing.stderr()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(pushing.stderr(), pattern);
  }

  /** `git push` in the background, its stderr readable while it runs. */
  function pushInBackground(dir: string, token: string, force = false): { done: Promise<Run>; stderr: () => string } {
    let stderr = '';
    const done = g.git(['push', ...(force ? ['--force'] : []), g.httpUrl('raced', token), 'main'], { cwd: dir, onStderr: (d) => { stderr += d; } });
    return { done, stderr: () => stderr };
  }

  it('deploys one of two simultaneous pushes and refuses the other before it deploys; the branch holds what serves', async () => {
    const base = await g.workRepo('race-base');
    assert.equal((await g.git(['push', g.httpUrl('raced', 'tok-alice'), 'main'], { cwd: base.dir })).code, 0);
    // Two clones of the same commit, each with its own next commit.
    const clones: string[] = [];
    for (const name of ['a', 'b']) {
      const dir = `${g.root}/work/race-${name}`;
      assert.equal((await g.git(['clone', '-q', g.httpUrl('raced', 'tok-alice'), dir])).code, 0);
      await g.git(['commit', '-q', '--allow-empty', '-m', name], { cwd: dir });
      clones.push(dir);
    }
    const held = heldDeploys();
    const a = pushInBackground(clones[0]!, 'tok-alice');
    await held.started;
    const b = pushInBackground(clones[1]!, 'tok-alice');
    await waitForLine(b, /Waiting for the push in progress to raced/);
    held.release();
    const [ra, rb] = await Promise.all([a.done, b.done]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.notEqual(rb.code, 0);
    assert.ok(remoteLines(rb.stderr).some((l) => /^! Push refused: refs\/heads\/main moved while this push waited/.test(l)), rb.stderr);
    assert.equal(held.deployed.length, 1, 'only the first push deployed');
    const headA = (await g.git(['rev-parse', 'HEAD'], { cwd: clones[0]! })).stdout.trim();
    const main = (await g.git(['ls-remote', g.httpUrl('raced', 'tok-alice'), 'refs/heads/main'])).stdout.split('\t')[0];
    assert.equal(main, headA, 'the branch holds the deployed commit');
    assert.equal(held.deployed[0]!.newCommit, headA);
  });

  it('asks access again when a waiting push gets its turn', async () => {
    const held = heldDeploys();
    const mine = await g.workRepo('race-alice', { 'a.txt': 'alice\n' });
    const theirs = await g.workRepo('race-bob', { 'b.txt': 'bob\n' });
    // Unrelated histories: both force their way onto main.
    const a = pushInBackground(mine.dir, 'tok-alice', true);
    await held.started;
    // Bob's push begins while he may push, then waits its turn; meanwhile he is removed.
    const b = pushInBackground(theirs.dir, 'tok-bob', true);
    await waitForLine(b, /Waiting for the push in progress/);
    g.grants.splice(g.grants.findIndex((x) => x.user === 'bob'), 1);
    held.release();
    const rb = await b.done;
    await a.done;
    assert.notEqual(rb.code, 0);
    assert.ok(remoteLines(rb.stderr).includes('! Push refused: you may no longer push to this app'), rb.stderr);
    assert.ok(held.deployed.every((e) => e.userId !== 'bob'));
  });
});

describe('parallel token guesses over HTTP', () => {
  let g: TestGit;
  before(async () => {
    // A slow lookup widens the gap between "may this address try?" and "it failed".
    g = await startTestGit({ authLimits: { points: 5, windowSeconds: 60 }, tokenLookupMs: 20 });
    g.tokens.set('tok-good', 'u1');
    g.grants.push({ user: 'u1', app: 'guarded', mode: 'read' });
  });
  after(async () => { await g.cleanup(); });

  it('looks up no more tokens than the limit, however many guesses arrive at once', async () => {
    const url = `http://127.0.0.1:${g.service.httpPort}/guarded.git/info/refs?service=git-upload-pack`;
    const guess = (i: number): Promise<number> => fetch(url, { headers: { authorization: `Basic ${Buffer.from(`x:dfp_guess_${i}`).toString('base64')}` } }).then((r) => r.status);
    const statuses = await Promise.all(Array.from({ length: 100 }, (_, i) => guess(i)));
    assert.equal(statuses.filter((s) => s === 401).length, 5);
    assert.equal(statuses.filter((s) => s === 429).length, 95);
  });
});
