import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogFrameDecoder, splitTimestamp } from './frames.js';

const frame = (stream: 1 | 2, text: string | Buffer): Buffer => {
  const payload = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('followed log demux', () => {
  it('splits frames into lines per stream', () => {
    const d = new LogFrameDecoder();
    assert.deepEqual(d.push(Buffer.concat([frame(1, 'a\nb\n'), frame(2, 'err\n')])), [
      { stream: 'stdout', line: 'a' },
      { stream: 'stdout', line: 'b' },
      { stream: 'stderr', line: 'err' },
    ]);
  });
  it('joins frames and lines split anywhere, UTF-8 included', () => {
    const d = new LogFrameDecoder();
    const euro = Buffer.from('€');
    const all = Buffer.concat([
      frame(1, Buffer.concat([Buffer.from('pa'), euro.subarray(0, 1)])),
      frame(1, Buffer.concat([euro.subarray(1), Buffer.from('rt\r\n')])),
    ]);
    const out = [];
    for (let i = 0; i < all.length; i += 3) out.push(...d.push(all.subarray(i, i + 3)));
    assert.deepEqual(out, [{ stream: 'stdout', line: 'pa€rt' }]);
  });
  it('keeps a last line without newline until the end', () => {
    const d = new LogFrameDecoder();
    assert.deepEqual(d.push(frame(2, 'tail')), []);
    assert.deepEqual(d.end(), [{ stream: 'stderr', line: 'tail' }]);
  });
  it('splits Docker timestamps off', () => {
    assert.deepEqual(splitTimestamp('2024-05-01T10:00:00.123456789Z hello world'), {
      ts: '2024-05-01T10:00:00.123456789Z',
      text: 'hello world',
    });
    assert.deepEqual(splitTimestamp('2024-05-01T10:00:00.000000000Z'), { ts: '2024-05-01T10:00:00.000000000Z', text: '' });
    assert.deepEqual(splitTimestamp('no stamp'), { ts: '', text: 'no stamp' });
  });
});
