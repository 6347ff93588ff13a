// Operators' own plugins: ES modules listed in GATEWAY_PLUGINS (comma-separated absolute paths),
// loaded by every gateway at start (to run them) and by control (so PATCH validates their names
// and configs like the built-ins'). A module's default export is its definition plus its runtime:
//   { name, schema? (zod) | validate?(config) → {path?, message} | null, compile?, view?, create(config, services) }
// `create` is what a gateway calls (gateway/plugins/types.ts has the hooks' types).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/config.js';
import { definePlugin, pluginDefinition, type ConfigSchema, type PluginDefinition } from './chain.js';
import './index.js';

export const PLUGINS_ENV = 'GATEWAY_PLUGINS';
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

export interface LoadedPluginModule {
  path: string;
  definition: PluginDefinition;
  /** The module's runtime factory, typed by the gateway (gateway/plugins/types.ts). */
  create: (config: Record<string, unknown>, services: unknown) => unknown;
}

/** The module paths GATEWAY_PLUGINS lists; a relative path or a non-module file stops the start. */
export function pluginModulePaths(env: Record<string, string | undefined> = process.env): string[] {
  const raw = env[PLUGINS_ENV];
  if (raw === undefined || raw.trim() === '') return [];
  return raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      if (!path.isAbsolute(p) || !/\.(mjs|js)$/.test(p))
        throw new ConfigError(PLUGINS_ENV, `must list absolute paths of ES modules (.mjs or .js), got "${p}"`);
      return p;
    });
}

type Validate = (config: unknown) => { path?: PropertyKey[]; message: string } | null | undefined;

/** An operator's validate() function in the shape the chain expects of a schema. */
function validatorSchema(validate: Validate): ConfigSchema {
  return {
    safeParse(value) {
      const issue = validate(value);
      return issue
        ? { success: false, error: { issues: [{ path: issue.path ?? [], message: issue.message }] } }
        : { success: true, data: value };
    },
  };
}

const loaded = new Map<string, LoadedPluginModule>();

async function loadOne(file: string): Promise<LoadedPluginModule> {
  const known = loaded.get(file);
  if (known) return known;
  const fail = (why: string): never => {
    throw new ConfigError(PLUGINS_ENV, `${file}: ${why}`);
  };
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    return fail(`cannot be loaded (${err instanceof Error ? err.message : String(err)})`);
  }
  const def = (mod.default ?? mod.plugin) as Record<string, unknown> | undefined;
  if (!def || typeof def !== 'object') return fail('has no default export');
  const name = def.name;
  if (typeof name !== 'string' || !NAME.test(name)) return fail('name must be a lower-case label such as "request-stamp"');
  if (typeof def.create !== 'function') return fail('must export create(config, services)');
  const schema = def.schema as ConfigSchema | undefined;
  let checked: ConfigSchema;
  if (schema && typeof schema.safeParse === 'function') checked = schema;
  else if (typeof def.validate === 'function') checked = validatorSchema(def.validate as Validate);
  else return fail('must export a zod schema (schema) or a validate(config) function');
  if (pluginDefinition(name)) return fail(`a plugin named "${name}" already exists`);
  const definition: PluginDefinition = {
    name,
    schema: checked,
    ...(typeof def.compile === 'function' ? { compile: def.compile as PluginDefinition['compile'] } : {}),
    ...(typeof def.view === 'function' ? { view: def.view as PluginDefinition['view'] } : {}),
  };
  definePlugin(definition);
  const out: LoadedPluginModule = { path: file, definition, create: def.create as LoadedPluginModule['create'] };
  loaded.set(file, out);
  return out;
}

/** Loads and registers every listed module, in order (each once per process). */
export async function loadPluginModules(paths: readonly string[]): Promise<LoadedPluginModule[]> {
  const out: LoadedPluginModule[] = [];
  for (const p of paths) out.push(await loadOne(p));
  return out;
}
