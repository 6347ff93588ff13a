import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { chooseEncoding } from './builtins/compress.js';
import { chainOf, send } from './testing/run-chain.js';

describe('compress plugin', () => {
  const chain = chainOf([{ name: 'compress', config: {} }]);
  const text = 'all work and no play makes jack a dull boy\n'.repeat(200);

  it('picks brotli or gzip by Accept-Encoding and its q-values', () => {
    assert.equal(chooseEncoding('gzip, deflate, br', ['br', 'gzip']), 'br');
    assert.equal(chooseEncoding('gzip;q=1, br;q=0.5', ['br', 'gzip']), 'gzip');
    assert.equal(chooseEncoding('br;q=0, gzip;q=0', ['br', 'gzip']), null);
    assert.equal(chooseEncoding('*', ['gzip']), 'gzip');
    assert.equal(chooseEncoding(undefined, ['br', 'gzip']), null);
  });

  it('compresses text for clients that accept it, and the bytes decompress to the original', async () => {
    const br = await send(
      chain,
      { headers: { 'accept-encoding': 'br, gzip' } },
      { headers: { 'content-type': 'text/html; charset=utf-8', 'content-length': String(text.length) }, body: text },
    );
    assert.equal(br.headers.get('content-encoding'), 'br');
    assert.equal(br.headers.get('content-length'), undefined);
    assert.match(br.headers.get('vary') ?? '', /Accept-Encoding/);
    assert.ok(br.body.length < text.length / 5);
    assert.equal(zlib.brotliDecompressSync(br.body).toString(), text);
    const gz = await send(
      chain,
      { headers: { 'accept-encoding': 'gzip' } },
      { headers: { 'content-type': 'application/json' }, body: text },
    );
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal(zlib.gunzipSync(gz.body).toString(), text);
  });

  it('leaves alone small bodies, compressed types, encoded bodies, HEAD and clients without gzip', async () => {
    const cases: [Record<string, string>, Record<string, string>, string][] = [
      [{ 'accept-encoding': 'gzip' }, { 'content-type': 'text/plain', 'content-length': '10' }, 'small'],
      [{ 'accept-encoding': 'gzip' }, { 'content-type': 'image/png' }, 'png'],
      [{ 'accept-encoding': 'gzip' }, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, 'already encoded'],
      [{ 'accept-encoding': 'gzip' }, { 'content-type': 'text/plain', 'cache-control': 'no-transform' }, 'no-transform'],
      [{ 'accept-encoding': 'gzip' }, { 'content-type': 'text/event-stream' }, 'event stream'],
      [{}, { 'content-type': 'text/plain' }, 'no accept-encoding'],
    ];
    for (const [reqHeaders, resHeaders, what] of cases) {
      const out = await send(chain, { headers: reqHeaders }, { headers: resHeaders, body: text });
      assert.equal(out.headers.get('content-encoding'), resHeaders['content-encoding'], what);
      assert.equal(out.body.toString(), text, what);
    }
    const head = await send(
      chain,
      { method: 'HEAD', headers: { 'accept-encoding': 'gzip' } },
      { headers: { 'content-type': 'text/plain' }, body: text },
    );
    assert.equal(head.headers.get('content-encoding'), undefined);
  });
});
