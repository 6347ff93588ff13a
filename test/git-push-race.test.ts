// Pushes that overlap: git holds no lock while a push deploys (the proc-receive hook takes the
// branch update over), so a second push to the app is accepted and deploys while the first one
// still does; the branch moves when each version goes live and ends on the last — even when
// that push came from a clone without the first one's commit. Then parallel token guesses over
// HTTP get no more lookups than the limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PushEvent } from '../git/index.js';
import { remoteLines, startTestGit, type Run, type TestGit } from './git-fixtures.js';

describe('overlapping pushes', () => {
  let g: TestGit;
  before(async () => {
    g = await startTestGit();
    g.tokens.set('tok-alice', 'alice');
    g.grants.push({ user: 'alice', app: 'raced', mode: 'write' });
  });
  after(async () => {
    await g.cleanup();
  });

  /** `git push` in the background, its stderr readable while it runs. */
  function pushInBackground(dir: string): { done: Promise<Run>; stderr: () => string } {
    let stderr = '';
    const done = g.git(['push', g.httpUrl('raced', 'tok-alice'), 'main'], {
      cwd: dir,
      onStderr: (d) => {
        stderr += d;
      },
    });
    return { done, stderr: () => stderr };
  }

  async function waitForLine(pushing: { stderr: () => string }, pattern: RegExp): Promise<void> {
    for (let i = 0; i < 500 && !pattern.test(pushing.stderr()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(pushing.stderr(), pattern);
  }

  it('accepts a second push while the first deploys; the branch moves as each goes live and ends on the second', async () => {
    const base = await g.workRepo('race-base');
    assert.equal((await g.git(['push', g.httpUrl('raced', 'tok-alice'), 'main'], { cwd: base.dir })).code, 0);
    // Two clones of the same commit, each with its own next commit: b does not contain a's.
    const heads: string[] = [];
    const clones: string[] = [];
    for (const name of ['a', 'b']) {
      const dir = `${g.root}/work/race-${name}`;
      assert.equal((await g.git(['clone', '-q', g.httpUrl('raced', 'tok-alice'), dir])).code, 0);
      await g.git(['commit', '-q', '--allow-empty', '-m', name], { cwd: dir });
      clones.push(dir);
      heads.push((await g.git(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim());
    }
    // Each deploy waits until the test lets it go live; going live publishes the branch.
    const gates = new Map<string, () => void>();
    const deployed: PushEvent[] = [];
    const timer = setTimeout(() => {
      for (const open of gates.values()) open();
    }, 20_000); // never hang the suite
    g.handler = async (event, out) => {
      deployed.push(event);
      out(`-----> deploying ${event.newCommit.slice(0, 7)}`);
      await new Promise<void>((resolve) => gates.set(event.newCommit, resolve));
      await event.publishRef();
      return { ok: true, message: `Deployed ${event.newCommit.slice(0, 7)}` };
    };
    const branch = async (): Promise<string> =>
      (await g.git(['ls-remote', g.httpUrl('raced', 'tok-alice'), 'refs/heads/main'])).stdout.split('\t')[0]!;
    try {
      const a = pushInBackground(clones[0]!);
      await waitForLine(a, new RegExp(`deploying ${heads[0]!.slice(0, 7)}`));
      const b = pushInBackground(clones[1]!);
      // b deploys while a still does: nothing waits for a.
      await waitForLine(b, new RegExp(`deploying ${heads[1]!.slice(0, 7)}`));
      assert.equal(await branch(), base.head, 'neither went live yet: the branch is where it was');
      gates.get(heads[0]!)!();
      const ra = await a.done;
      assert.equal(ra.code, 0, ra.stderr);
      assert.equal(await branch(), heads[0], 'a went live: the branch holds it');
      gates.get(heads[1]!)!();
      const rb = await b.done;
      assert.equal(rb.code, 0, rb.stderr);
      assert.equal(await branch(), heads[1], 'b went live last: the branch holds it');
      assert.ok(
        remoteLines(rb.stderr).includes(
          `-----> main was at ${heads[0]!.slice(0, 12)} (pushed meanwhile), which ${heads[1]!.slice(0, 12)} does not contain; main now points at ${heads[1]!.slice(0, 12)}`,
        ),
        rb.stderr,
      );
      assert.deepEqual(
        deployed.map((e) => [e.oldCommit, e.newCommit]),
        [
          [base.head, heads[0]],
          [base.head, heads[1]],
        ],
      );
    } finally {
      clearTimeout(timer);
    }
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
  after(async () => {
    await g.cleanup();
  });

  it('looks up no more tokens than the limit, however many guesses arrive at once', async () => {
    const url = `http://127.0.0.1:${g.service.httpPort}/guarded.git/info/refs?service=git-upload-pack`;
    const guess = (i: number): Promise<number> =>
      fetch(url, { headers: { authorization: `Basic ${Buffer.from(`x:dfp_guess_${i}`).toString('base64')}` } }).then((r) => r.status);
    const statuses = await Promise.all(Array.from({ length: 100 }, (_, i) => guess(i)));
    assert.equal(statuses.filter((s) => s === 401).length, 5);
    assert.equal(statuses.filter((s) => s === 429).length, 95);
  });
});
