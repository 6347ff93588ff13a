import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppLocks } from './app-lock.js';

describe('push locks', () => {
  it('runs pushes to one app one after the other, in arrival order, and other apps alongside', async () => {
    const locks = new AppLocks();
    const order: string[] = [];
    const first = await locks.take('shop');
    assert.equal(first.ahead, 0);
    await first.ready;
    const second = await locks.take('shop');
    const third = await locks.take('shop');
    assert.deepEqual([second.ahead, third.ahead], [1, 2]);
    void second.ready.then(() => order.push('second'));
    void third.ready.then(() => order.push('third'));
    const other = await locks.take('blog'); // not blocked by shop
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
    assert.equal(locks.busy('shop'), false);
    assert.equal(locks.busy('blog'), false);
  });
});
