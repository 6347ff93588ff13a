// The pure parts of webhooks: the address classifier that keeps clones off private networks,
// the GitHub signature and GitLab token checks, clone URL syntax and resolution (with a fake
// DNS), payload parsing, and the git command built for a clone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress, isPublicAddress } from '../control/webhooks/address.js';
import { cloneCommand } from '../control/webhooks/clone.js';
import { checkCloneUrl, resolveCloneUrl } from '../control/webhooks/clone-url.js';
import { branchName } from '../control/webhooks/handle.js';
import { decodeBody, parsePush } from '../control/webhooks/payload.js';
import { DeliveryMemory, deliveryId } from '../control/webhooks/replay.js';
import { githubSignature, verifyGithubSignature, verifyGitlabToken } from '../control/webhooks/signature.js';
import { DeployFlowError, errorBody } from '../common/errors/catalogue.js';
import type { GitRef } from '../common/names/validate.js';

const SHA = 'c'.repeat(40);

describe('webhook address classifier', () => {
  it('refuses private, loopback, link-local, CGNAT, multicast and unspecified addresses, v4 and v6', () => {
    const cases: Record<string, string> = {
      '8.8.8.8': 'public',
      '140.82.112.3': 'public',
      '172.32.0.1': 'public',
      '2606:4700::1111': 'public',
      '2a00:1450::1': 'public',
      '10.0.0.1': 'private',
      '172.16.5.4': 'private',
      '172.31.255.255': 'private',
      '192.168.1.1': 'private',
      '127.0.0.1': 'loopback',
      '127.255.0.9': 'loopback',
      '::1': 'loopback',
      '[::1]': 'loopback',
      '169.254.169.254': 'link-local',
      'fe80::1': 'link-local',
      'fe80::1%eth0': 'link-local',
      '100.64.0.1': 'cgnat',
      '100.127.255.254': 'cgnat',
      '224.0.0.251': 'multicast',
      '239.1.1.1': 'multicast',
      'ff02::1': 'multicast',
      '0.0.0.0': 'unspecified',
      '0.1.2.3': 'unspecified',
      '::': 'unspecified',
      'fc00::1': 'private',
      'fd00:ec2::254': 'private',
      '255.255.255.255': 'reserved',
      '192.0.2.1': 'reserved',
      '2001:db8::1': 'reserved',
      '::127.0.0.1': 'reserved',
      'not-an-ip': 'invalid',
      '1.2.3': 'invalid',
      '1.2.3.256': 'invalid',
      '1:2:3:4:5:6:7:8:9': 'invalid',
    };
    for (const [address, expected] of Object.entries(cases)) assert.equal(classifyAddress(address), expected, address);
  });

  it('judges IPv4 carried inside IPv6 by the IPv4 address (mapped, NAT64, 6to4)', () => {
    for (const a of [
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::FFFF:10.1.2.3',
      '::ffff:169.254.169.254',
      '64:ff9b::a9fe:a9fe',
      '2002:7f00:1::1',
      '2002:c0a8:101::',
    ]) {
      assert.equal(isPublicAddress(a), false, a);
    }
    for (const a of ['::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1']) assert.equal(isPublicAddress(a), true, a);
  });
});

describe('webhook signature checks', () => {
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  const secret = 'a'.repeat(64);

  it("accepts GitHub's HMAC-SHA256 over the exact bytes, and nothing else", () => {
    const sig = githubSignature(secret, body);
    assert.match(sig, /^sha256=[0-9a-f]{64}$/);
    assert.equal(verifyGithubSignature(secret, body, sig), true);
    assert.equal(verifyGithubSignature(secret, body, sig.toUpperCase().replace('SHA256=', 'sha256=')), true);
    assert.equal(verifyGithubSignature(secret, Buffer.concat([body, Buffer.from(' ')]), sig), false);
    assert.equal(verifyGithubSignature('b'.repeat(64), body, sig), false);
    for (const bad of [
      undefined,
      '',
      'sha256=',
      sig.slice(0, -2),
      `${sig}00`,
      sig.replace('sha256=', 'sha1='),
      ['x'],
      `sha256=${'z'.repeat(64)}`,
    ]) {
      assert.equal(verifyGithubSignature(secret, body, bad), false, String(bad));
    }
  });

  it("accepts GitLab's token only when it equals the secret", () => {
    assert.equal(verifyGitlabToken(secret, secret), true);
    for (const bad of [undefined, '', secret.slice(1), `${secret}a`, secret.toUpperCase(), [secret]])
      assert.equal(verifyGitlabToken(secret, bad), false);
  });
});

describe('webhook clone URLs', () => {
  it('refuses anything but plain http(s) without credentials', () => {
    for (const bad of [
      '--upload-pack=touch /tmp/pwned',
      '-u.git',
      'file:///etc/passwd',
      'ext::sh -c touch% /tmp/pwned',
      'ext::sh',
      'ssh://git@example.com/x.git',
      'git://example.com/x.git',
      'git@example.com:x.git',
      'https://user:pw@example.com/x.git',
      'https://token@example.com/x.git',
      'http://example.com/x .git',
      'https://example.com/x.git?upload-pack=x',
      '',
      'https://',
      42,
    ]) {
      assert.throws(() => checkCloneUrl(bad), { code: 'DF_ERR_CLONE_URL_INVALID' }, String(bad));
    }
    assert.equal(checkCloneUrl('https://github.com/o/r.git').hostname, 'github.com');
  });

  it('refuses hosts with any non-public address, pins the public ones, and skips DNS when private URLs are allowed', async () => {
    const dns = (map: Record<string, string[]>) => async (host: string) => map[host] ?? [];
    const lookup = dns({
      'evil.test': ['93.184.216.34', '10.0.0.5'],
      'meta.test': ['169.254.169.254'],
      'ok.test': ['93.184.216.34', '2606:4700::1'],
    });
    await assert.rejects(resolveCloneUrl('https://evil.test/r.git', { allowPrivate: false, lookup }), { code: 'DF_ERR_CLONE_URL_PRIVATE' });
    await assert.rejects(resolveCloneUrl('http://meta.test/r.git', { allowPrivate: false, lookup }), { code: 'DF_ERR_CLONE_URL_PRIVATE' });
    // The refusal names the class of the address, never the internal address the name resolved to.
    await assert.rejects(resolveCloneUrl('https://evil.test/r.git', { allowPrivate: false, lookup }), (err: DeployFlowError) => {
      assert.deepEqual(err.details, { host: 'evil.test', class: 'private' });
      assert.doesNotMatch(JSON.stringify(errorBody(err)), /10\.0\.0\.5/);
      return /private address/.test(err.message);
    });
    await assert.rejects(
      resolveCloneUrl('http://meta.test/r.git', { allowPrivate: false, lookup }),
      (err: DeployFlowError) => !JSON.stringify(errorBody(err)).includes('169.254') && err.details?.class === 'link-local',
    );
    for (const literal of [
      'http://127.0.0.1:8080/r.git',
      'http://[::1]/r.git',
      'http://[::ffff:127.0.0.1]/r.git',
      'http://2130706433/r.git',
      'http://0x7f.1/r.git',
    ]) {
      await assert.rejects(resolveCloneUrl(literal, { allowPrivate: false, lookup }), { code: 'DF_ERR_CLONE_URL_PRIVATE' }, literal);
    }
    await assert.rejects(resolveCloneUrl('https://nowhere.test/r.git', { allowPrivate: false, lookup }), { code: 'DF_ERR_CLONE_FAILED' });
    const ok = await resolveCloneUrl('https://ok.test/r.git', { allowPrivate: false, lookup });
    assert.equal(ok.pin, 'ok.test:443:93.184.216.34,[2606:4700::1]');
    const allowed = await resolveCloneUrl('http://127.0.0.1:9/r.git', {
      allowPrivate: true,
      lookup: () => {
        throw new Error('no DNS');
      },
    });
    assert.equal(allowed.pin, null);
    await assert.rejects(resolveCloneUrl('file:///etc', { allowPrivate: true, lookup }), { code: 'DF_ERR_CLONE_URL_INVALID' });
  });

  it('builds the clone as an argument array with -- before the URL, http(s) only, no redirects', async () => {
    const target = await resolveCloneUrl('https://ok.test/r.git', { allowPrivate: false, lookup: async () => ['93.184.216.34'] });
    const { file, args } = cloneCommand(target, branchName('main'), '/tmp/x/src');
    assert.equal(file, 'git');
    assert.deepEqual(args.slice(-3), ['--', 'https://ok.test/r.git', '/tmp/x/src']);
    for (const c of [
      'protocol.allow=never',
      'protocol.https.allow=always',
      'http.followRedirects=false',
      'http.curloptResolve=ok.test:443:93.184.216.34',
    ]) {
      assert.ok(args.includes(c), c);
    }
    assert.deepEqual(args.slice(args.indexOf('--branch'), args.indexOf('--branch') + 2), ['--branch', 'main' as GitRef]);
    assert.equal(branchName('refs/heads/release/v2'), 'release/v2');
    assert.throws(() => branchName('-x'), { code: 'DF_ERR_INVALID_REF' });
  });
});

describe('webhook payloads', () => {
  it('reads ref, commit and clone URL from GitHub and GitLab pushes', () => {
    const gh = parsePush('github', {
      ref: 'refs/heads/main',
      after: SHA,
      repository: { clone_url: 'https://github.com/o/r.git' },
      extra: 1,
    });
    assert.deepEqual(gh, { ref: 'refs/heads/main', commit: SHA, deleted: false, cloneUrl: 'https://github.com/o/r.git', pushedAt: null });
    const dated = { ref: 'refs/heads/main', after: SHA, repository: { clone_url: 'u', pushed_at: 1_700_000_000 } };
    assert.equal(parsePush('github', dated).pushedAt, 1_700_000_000);
    const gl = parsePush('gitlab', {
      ref: 'refs/heads/main',
      after: 'd'.repeat(40),
      checkout_sha: SHA,
      project: { git_http_url: 'https://gitlab.com/o/r.git' },
    });
    assert.equal(gl.commit, SHA);
    assert.equal(
      parsePush('github', { ref: 'refs/heads/x', after: '0'.repeat(40), deleted: true, repository: { clone_url: 'u' } }).deleted,
      true,
    );
    assert.throws(() => parsePush('github', { ref: 'refs/heads/main' }), { code: 'DF_ERR_VALIDATION' });
    assert.throws(() => parsePush('gitlab', { ref: 'refs/heads/main', after: 'nope', project: { git_http_url: 'u' } }), {
      code: 'DF_ERR_VALIDATION',
    });
    assert.throws(() => decodeBody(Buffer.from('{'), 'application/json'), { code: 'DF_ERR_BAD_JSON' });
    const form = Buffer.from(new URLSearchParams({ payload: '{"a":1}' }).toString());
    assert.deepEqual(decodeBody(form, 'application/x-www-form-urlencoded'), { a: 1 });
  });
});

describe('webhook replays', () => {
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  it('refuses a delivery id or a body seen before, per app, and forgets a delivery that failed', async () => {
    const memory = new DeliveryMemory(null);
    const headers = { 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };
    await memory.claim('a', 'github', headers, body);
    await assert.rejects(memory.claim('a', 'github', headers, body), { code: 'DF_ERR_WEBHOOK_REPLAYED' });
    // GitHub signs the body only: a replay with a fresh delivery id is still the same body.
    await assert.rejects(memory.claim('a', 'github', { 'x-github-delivery': 'ffffffff-0000' }, body), { code: 'DF_ERR_WEBHOOK_REPLAYED' });
    await assert.rejects(memory.claim('a', 'github', headers, Buffer.from('{}')), { code: 'DF_ERR_WEBHOOK_REPLAYED' });
    await memory.claim('b', 'github', headers, body);
    const gitlab = { 'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e' };
    const release = await memory.claim('a', 'gitlab', gitlab, body);
    await release();
    await memory.claim('a', 'gitlab', gitlab, body);
    assert.equal(deliveryId('gitlab', { 'x-gitlab-webhook-uuid': 'abcdef12-3' }), 'abcdef12-3');
    assert.equal(deliveryId('github', { 'x-github-delivery': 'not an id\n' }), null);
  });
});
