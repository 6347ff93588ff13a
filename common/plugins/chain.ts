// The edge plugin chain as control and the gateways share it: which plugins exist, how each
// one's per-route config is validated (so a bad config is a 400 naming the field when it is set
// through the API, never a gateway error at request time), and how an API config becomes what
// the route table carries (a plugin may hash secrets there). The gateway runs the chain
// (gateway/plugins/); this module only knows names and configs.
import { DeployFlowError } from '../errors/catalogue.js';

/**
 * What validates a config: a zod schema fits (any zod version: only safeParse is used), and so
 * does an operator's own validator wrapped by plugin modules (modules.ts).
 */
export interface ConfigSchema {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: readonly ConfigIssue[] } };
}

export interface ConfigIssue {
  path: readonly PropertyKey[];
  message: string;
}

export interface PluginDefinition {
  name: string;
  /** Validates the config a user sets; its issues' paths name the field. */
  schema: ConfigSchema;
  /** What is stored and published for a validated config (default: the config itself). */
  compile?(config: Record<string, unknown>, previous: Record<string, unknown> | undefined): Record<string, unknown>;
  /** What the API shows of a stored config (default: the config itself). */
  view?(stored: Record<string, unknown>): Record<string, unknown>;
}

const definitions = new Map<string, PluginDefinition>();

/** Registers a plugin definition (built-ins register at module load); a name is taken once. */
export function definePlugin(def: PluginDefinition): void {
  const known = definitions.get(def.name);
  if (known && known !== def) throw new Error(`a plugin named "${def.name}" is already defined`);
  definitions.set(def.name, def);
}

export function pluginDefinition(name: string): PluginDefinition | undefined {
  return definitions.get(name);
}

export function pluginNames(): string[] {
  return [...definitions.keys()].sort();
}

/** Thrown by a compile step: `path` names the field inside the plugin's config. */
export class PluginConfigError extends Error {
  constructor(
    readonly path: string[],
    message: string,
  ) {
    super(message);
    this.name = 'PluginConfigError';
  }
}

export interface PluginEntry {
  name: string;
  config: Record<string, unknown>;
}

/**
 * Validates a whole chain as given to the API and returns what to store. `previous` is the
 * chain stored now, so a plugin can keep a secret the user did not resend (by name position).
 * Throws DF_ERR_VALIDATION naming the field (`plugins[1].config.users`).
 */
export function compilePluginChain(chain: readonly PluginEntry[], previous: readonly PluginEntry[] = []): PluginEntry[] {
  return chain.map((entry, i) => {
    const def = definitions.get(entry.name);
    if (!def) {
      throw new DeployFlowError(
        'DF_ERR_VALIDATION',
        `plugins[${i}].name: unknown plugin "${entry.name}" (known: ${pluginNames().join(', ') || 'none'})`,
        {
          field: `plugins[${i}].name`,
        },
      );
    }
    const parsed = def.schema.safeParse(entry.config ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0] ?? { path: [], message: 'invalid' };
      const field = [`plugins[${i}].config`, ...issue.path.map(String)].join('.');
      throw new DeployFlowError('DF_ERR_VALIDATION', `${field}: ${issue.message}`, { field });
    }
    const config = parsed.data as Record<string, unknown>;
    const before = previous.find((p) => p.name === entry.name)?.config;
    try {
      return { name: entry.name, config: def.compile ? def.compile(config, before) : config };
    } catch (err) {
      // A compile step refuses what only it can check (a kept password with nothing to keep).
      if (err instanceof PluginConfigError) {
        const field = [`plugins[${i}].config`, ...err.path].join('.');
        throw new DeployFlowError('DF_ERR_VALIDATION', `${field}: ${err.message}`, { field });
      }
      throw err;
    }
  });
}

/** The chain as the API shows it (secrets left out by each plugin's view). */
export function viewPluginChain(chain: readonly PluginEntry[]): PluginEntry[] {
  return chain.map((p) => ({ name: p.name, config: definitions.get(p.name)?.view?.(p.config) ?? p.config }));
}
