import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitTarget, withHost } from './target.js';

describe('request targets', () => {
  it('keeps origin- and asterisk-form, turns absolute-form into its authority and an origin-form path', () => {
    assert.deepEqual(splitTarget('/a?b=1'), { authority: null, path: '/a?b=1' });
    assert.deepEqual(splitTarget('*'), { authority: null, path: '*' });
    assert.deepEqual(splitTarget('http://attacker.example/reset?x=1'), { authority: 'attacker.example', path: '/reset?x=1' });
    assert.deepEqual(splitTarget('HTTPS://Web.paas.local:8443'), { authority: 'Web.paas.local:8443', path: '/' });
    assert.deepEqual(splitTarget('http://web.paas.local?q'), { authority: 'web.paas.local', path: '/?q' });
  });
  it('refuses anything else: other schemes, userinfo, no authority, authority-form', () => {
    for (const bad of ['ftp://x/y', 'http://user:pw@web.paas.local/', 'http:///x', 'web.paas.local:443', 'x', ''])
      assert.equal(splitTarget(bad), null, bad);
  });
  it('replaces every Host value, or adds one', () => {
    assert.deepEqual(withHost(['Host', 'a', 'X', '1', 'host', 'b'], 'c'), ['Host', 'c', 'X', '1', 'host', 'c']);
    assert.deepEqual(withHost(['X', '1'], 'c'), ['X', '1', 'Host', 'c']);
  });
});
