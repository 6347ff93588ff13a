import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterLongestMatch, parseTailLine, PrintedLog, seamOverlap, type LogLine } from './log-merge.js';

const lines = (replica: string, ...texts: string[]): LogLine[] => texts.map((text) => ({ replica, text }));

describe('following logs across reconnects', () => {
  it('prints the whole first tail, then only what came after the printed lines', () => {
    const log = new PrintedLog();
    assert.deepEqual(log.mergeTail(lines('web.1', 'a', 'b')), lines('web.1', 'a', 'b'));
    assert.deepEqual(log.mergeTail(lines('web.1', 'a', 'b', 'c', 'd')), lines('web.1', 'c', 'd'));
    assert.deepEqual(log.mergeTail(lines('web.1', 'c', 'd')), []);
  });

  it('places the tail by the longest matching run, not by the first equal line', () => {
    // "GET /" was printed last; the tail holds an older and a newer "GET /".
    assert.equal(afterLongestMatch(['boot', 'GET /'], ['boot', 'GET /', 'x', 'GET /']), 2);
    assert.equal(afterLongestMatch(['a'], ['b', 'c']), 0);
    assert.equal(afterLongestMatch([], ['b']), 0);
  });

  it('keeps replicas apart and interleaves nothing twice', () => {
    const log = new PrintedLog();
    log.mergeTail([...lines('web.1', 'one'), ...lines('web.2', 'two')]);
    const next = log.mergeTail([...lines('web.1', 'one', 'three'), ...lines('web.2', 'two')]);
    assert.deepEqual(next, lines('web.1', 'three'));
  });

  it('drops live lines the tail already ended with and keeps the ones after', () => {
    const log = new PrintedLog();
    log.mergeTail(lines('web.1', 'a', 'b', 'c'));
    assert.deepEqual(log.mergeLive(lines('web.1', 'b', 'c', 'd')), lines('web.1', 'd'));
    assert.deepEqual(log.mergeLive(lines('web.1', 'e')), lines('web.1', 'e'));
    assert.equal(seamOverlap(['a', 'b'], ['x']), 0);
  });

  it('reads the REST tail format', () => {
    assert.deepEqual(parseTailLine('shop.1a2b.1 | hello | world'), { replica: 'shop.1a2b.1', text: 'hello | world' });
  });
});
