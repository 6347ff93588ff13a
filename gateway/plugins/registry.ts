// Which plugins this gateway can run: the built-ins plus the operator's modules from
// GATEWAY_PLUGINS (loaded at start; their definitions register with the shared chain registry
// too, so names and configs validate the same way here as in control).
import { loadPluginModules } from '../../common/plugins/modules.js';
import { BUILTIN_PLUGINS } from './builtins/index.js';
import type { GatewayPlugin } from './types.js';

export async function loadGatewayPlugins(modulePaths: readonly string[]): Promise<Map<string, GatewayPlugin>> {
  const plugins = new Map<string, GatewayPlugin>(BUILTIN_PLUGINS.map((p) => [p.name, p]));
  for (const m of await loadPluginModules(modulePaths)) {
    plugins.set(m.definition.name, { name: m.definition.name, create: m.create as GatewayPlugin['create'] });
  }
  return plugins;
}
