import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalTurns } from './local-turns.js';

describe('local turns', () => {
  it('gives one key its turns one after the other, in the order taken, and other keys alongside', async () => {
    const turns = new LocalTurns();
    const order: string[] = [];
    const first = turns.take('shop');
    assert.equal(first.ahead, 0);
    await first.ready;
    const second = turns.take('shop');
    const third = turns.take('shop');
    assert.deepEqual([second.ahead, third.ahead, third.seq], [1, 2, 2]);
    void second.ready.then(() => order.push('second'));
    void third.ready.then(() => order.push('third'));
    const other = turns.take('blog'); // not held up by shop
    await other.ready;
    order.push('blog');
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(order, ['blog']);
    first.end();
    first.end(); // ending twice is harmless
    await second.ready;
    second.end();
    await third.ready;
    third.end();
    other.end();
    assert.deepEqual(order, ['blog', 'second', 'third']);
    assert.equal(turns.open('shop'), 0);
    assert.equal(turns.open('blog'), 0);
  });

  it('a turn ended before it came still hands over only after the earlier ones', async () => {
    const turns = new LocalTurns();
    const first = turns.take('shop');
    const second = turns.take('shop');
    const third = turns.take('shop');
    second.end();
    let thirdReady = false;
    void third.ready.then(() => {
      thirdReady = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(thirdReady, false);
    first.end();
    await third.ready;
    third.end();
  });

  it('runs jobs of one key in order; a failed job does not hold up the next', async () => {
    const turns = new LocalTurns();
    const order: string[] = [];
    let release!: () => void;
    const a = turns.run('shop', async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      order.push('a');
    });
    const b = turns.run('shop', async () => {
      order.push('b');
      throw new Error('b failed');
    });
    const c = turns.run('shop', async () => {
      order.push('c');
      return 'c done';
    });
    assert.equal(turns.open('shop'), 3);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(order, []);
    release();
    await a;
    await assert.rejects(b, /b failed/);
    assert.equal(await c, 'c done');
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.equal(turns.open('shop'), 0);
  });
});
