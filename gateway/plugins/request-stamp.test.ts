// The example operator plugin (examples/plugins/request-stamp.mjs), loaded the way GATEWAY_PLUGINS
// loads it: its definition validates configs like a built-in's, its hooks run in the chain.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { compilePluginChain } from '../../common/plugins/index.js';
import { pluginModulePaths } from '../../common/plugins/modules.js';
import { loadGatewayPlugins } from './registry.js';
import { chainOf, send } from './testing/run-chain.js';
import type { GatewayPlugin } from './types.js';

const MODULE = path.resolve(import.meta.dirname, '../../examples/plugins/request-stamp.mjs');

describe('the example plugin module (request-stamp)', () => {
  let stamp: GatewayPlugin;
  before(async () => {
    const plugins = await loadGatewayPlugins(pluginModulePaths({ GATEWAY_PLUGINS: ` ${MODULE} ` }));
    stamp = plugins.get('request-stamp')!;
    assert.ok(plugins.has('basic-auth'), 'the built-ins are still there');
  });

  it('stamps the request the app receives and the answer', async () => {
    const out = await send(chainOf([{ name: 'request-stamp', config: { value: 'edge-1' } }], [stamp]));
    assert.match(out.forwarded!.headers.get('x-request-stamp') ?? '', /^edge-1 app \d+$/);
    assert.equal(out.headers.get('x-stamped-by'), 'edge-1');
  });

  it('validates its config with its own validate(), naming the field', () => {
    assert.throws(() => compilePluginChain([{ name: 'request-stamp', config: { value: 'a b' } }]), /plugins\[0\]\.config\.value: must be/);
    assert.throws(
      () => compilePluginChain([{ name: 'request-stamp', config: { value: 'x', colour: 'red' } }]),
      /plugins\[0\]\.config\.colour: unknown setting/,
    );
  });

  it('refuses relative paths and files that are not plugin modules', async () => {
    assert.throws(() => pluginModulePaths({ GATEWAY_PLUGINS: 'plugins/a.mjs' }), /GATEWAY_PLUGINS/);
    await assert.rejects(loadGatewayPlugins([path.resolve(import.meta.dirname, 'types.ts').replace(/\.ts$/, '.js')]), /GATEWAY_PLUGINS/);
  });
});
