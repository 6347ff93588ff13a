// Guessing tokens over git HTTP is throttled: after the allowed failures an address gets 429
// (even with the right token) until the window passes; git shows the reason.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGit, type TestGit } from './git-fixtures.js';

describe('git HTTP sign-in limits', () => {
  let t: TestGit;

  before(async () => {
    t = await startTestGit({ authLimits: { points: 3, windowSeconds: 60 } });
    t.tokens.set('dfp_good', 'u1');
    t.grants.push({ user: 'u1', app: 'limited', mode: 'write' });
  });
  after(() => t.cleanup());

  const refs = (token: string): Promise<Response> => fetch(`http://127.0.0.1:${t.service.httpPort}/limited.git/info/refs?service=git-receive-pack`, {
    headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
  });

  it('answers 401 for wrong tokens, then 429 for everything from that address', async () => {
    const ok = await refs('dfp_good');
    assert.equal(ok.status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await refs(`dfp_guess_${i}`)).status, 401);
    const limited = await refs('dfp_good');
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    const push = await t.git(['ls-remote', t.httpUrl('limited', 'dfp_good')]);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /429|Too many/);
  });
});
