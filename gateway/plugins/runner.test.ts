import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { definePlugin } from '../../common/plugins/index.js';
import { z } from 'zod';
import type { GatewayPlugin } from './types.js';
import { chainOf, send } from './testing/run-chain.js';

const order: string[] = [];
const tracer = (name: string): GatewayPlugin => ({
  name,
  create: (config) => ({
    onRequest(req) {
      order.push(`${name}:request`);
      if (config.throwOn === 'request') throw new Error('boom');
      if (config.answer) return { status: 418, body: 'teapot' };
      if (config.async)
        return Promise.resolve().then(() => {
          req.headers.set(`x-${name}`, '1');
        });
      return undefined;
    },
    onResponse(_req, res) {
      order.push(`${name}:response`);
      if (config.throwOn === 'response') throw new Error('boom');
      res.headers.append('x-seen-by', name);
    },
  }),
});
for (const n of ['t-one', 't-two', 't-three']) definePlugin({ name: n, schema: z.record(z.string(), z.unknown()) });
const plugins = ['t-one', 't-two', 't-three'].map(tracer);

describe('the plugin runner', () => {
  it('runs request hooks in order and response hooks in reverse, async hooks included', async () => {
    order.length = 0;
    const out = await send(
      chainOf(
        [
          { name: 't-one', config: {} },
          { name: 't-two', config: { async: true } },
          { name: 't-three', config: {} },
        ],
        plugins,
      ),
    );
    assert.deepEqual(order, ['t-one:request', 't-two:request', 't-three:request', 't-three:response', 't-two:response', 't-one:response']);
    assert.equal(out.forwarded!.headers.get('x-t-two'), '1');
    assert.equal(out.headers.list('x-seen-by'), 't-three, t-two, t-one');
  });

  it('an early answer skips the app and later plugins; earlier ones still see it', async () => {
    order.length = 0;
    const out = await send(
      chainOf(
        [
          { name: 't-one', config: {} },
          { name: 't-two', config: { answer: true } },
          { name: 't-three', config: {} },
        ],
        plugins,
      ),
    );
    assert.equal(out.status, 418);
    assert.equal(out.body.toString(), 'teapot');
    assert.deepEqual(order, ['t-one:request', 't-two:request', 't-one:response']);
  });

  it('a plugin that throws costs its request a 500 page, not the gateway', async () => {
    const out = await send(
      chainOf(
        [
          { name: 't-one', config: {} },
          { name: 't-two', config: { throwOn: 'request' } },
        ],
        plugins,
      ),
    );
    assert.equal(out.status, 500);
    assert.match(out.body.toString(), /DF_ERR_PLUGIN_FAILED/);
    await assert.rejects(send(chainOf([{ name: 't-one', config: { throwOn: 'response' } }], plugins)), /response hook failed/);
  });

  it('a chain naming a plugin this gateway lacks answers 500 rather than passing unprotected', async () => {
    definePlugin({ name: 't-missing', schema: z.record(z.string(), z.unknown()) });
    const out = await send(chainOf([{ name: 't-missing', config: {} }], plugins));
    assert.equal(out.status, 500);
    assert.equal(out.by, 'plugin');
  });
});
