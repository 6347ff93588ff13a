// Small rules both backends apply the same way, so they cannot drift apart.
import { randomUUID } from 'node:crypto';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseEnvKey } from '../../common/names/validate.js';
import { DEFAULT_EDGE, EDGE_KEYS, type AppEdge, type AppPatch } from './types.js';

export const newId = (): string => randomUUID();

/** Emails are unique case-insensitively; storing them lower case makes that a plain index. */
export const normalizeEmail = (email: string): string => email.toLowerCase();

/** Collaborators are a set; keeping the first occurrence keeps the caller's order. */
export const uniqueIds = (ids: readonly string[]): string[] => [...new Set(ids)];

/**
 * Env keys become column values here and document field paths in MongoDB, where a '.' or a
 * leading '$' would change the meaning of an update. Refuse anything that is not a key.
 */
export function checkEnvChanges(changes: Record<string, string | null>): void {
  for (const [key, value] of Object.entries(changes)) {
    parseEnvKey(key);
    if (value !== null && typeof value !== 'string') {
      throw new DeployFlowError('DF_ERR_VALIDATION', 'Env values must be strings (or null to remove)', { key });
    }
  }
}

/**
 * A plain object of the entries, by key. `__proto__` is a valid env key: defineProperty keeps it
 * an own entry where assignment would silently change the object's prototype instead.
 */
export function sortedRecord(entries: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A list limit: undefined means "all"; anything else must be a whole number. */
export function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isInteger(limit) || limit < 0) throw new DeployFlowError('DF_ERR_VALIDATION', 'limit must be a whole number', { limit });
  return limit;
}

/** Audit queries default to a page, never the whole history. */
export const AUDIT_DEFAULT_LIMIT = 100;

const APP_PATCH_KEYS = [
  'replicas',
  'limits',
  'healthcheck',
  'port',
  'domains',
  'webhookSecret',
  'collaboratorIds',
  'volumes',
  'deployBranch',
  ...EDGE_KEYS,
] as const;

/** The edge settings of a stored record, defaults filled in for records written before they existed. */
export function edgeOf(stored: Partial<AppEdge> | undefined | null): AppEdge {
  const out = { ...DEFAULT_EDGE };
  for (const key of EDGE_KEYS) if (stored?.[key] !== undefined) (out as Record<string, unknown>)[key] = stored[key];
  return out;
}

/** Only the edge settings of an app, for storing them as one value. */
export function pickEdge(app: AppEdge): AppEdge {
  return edgeOf(app);
}

/**
 * Only the patchable fields, and only those given: undefined means "leave it". Callers pass
 * parsed request bodies, so a stray `name` or `ownerId` must not slip through at run time.
 */
export function appPatchFields(patch: AppPatch): AppPatch {
  const out: Record<string, unknown> = {};
  for (const key of APP_PATCH_KEYS) if (patch[key] !== undefined) out[key] = patch[key];
  if (patch.collaboratorIds !== undefined) out.collaboratorIds = uniqueIds(patch.collaboratorIds);
  return out as AppPatch;
}
