import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppLocks } from './app-lock.js';

describe('push locks', () => {
  it('runs pushes to one app one after the other, in arrival order, and other apps alongside', async () => {
    const locks = new AppLocks();
    const order: string[] = [];
    const first = await locks.acquire('shop');
    const second = locks.acquire('shop').then((end) => { order.push('second'); return end; });
    const third = locks.acquire('shop').then((end) => { order.push('third'); return end; });
    const other = await locks.acquire('blog'); // not blocked by shop
    order.push('blog');
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(order, ['blog']);
    first();
    first(); // ending twice is harmless
    (await second)();
    (await third)();
    other();
    assert.deepEqual(order, ['blog', 'second', 'third']);
    assert.equal(locks.busy('shop'), false);
    assert.equal(locks.busy('blog'), false);
  });
});
