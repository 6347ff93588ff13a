// A layer-cache budget per app. The engine's BuildKit cache records (`/system/df`) carry no app:
// a layer's description is `mount / from exec <command>`, a cache mount's `cached mount <target>
// from exec <command>` (not its namespaced id). So each build (others may run beside it)
// lists the records before and after, and the app is credited with the new records that are its
// own: those whose command is one of this build's RUN commands, plus the new records chained to
// them (the COPY layers under and over them). What cannot be told apart — the per-build context
// copies, a record another engine user created in the same seconds, ONBUILD triggers' steps — is
// credited to nobody and stays under the engine-wide trim. A record of one app that another app's
// build then used (identical steps hit each other's layers) is dropped from the first app's list:
// it is shared, and trimming it would cost the other app its cache.
//
// An app over its budget loses its own least recently used records, pruned by id; never another
// app's. Records whose data is an image's layer (`Shared`) free nothing and are neither counted
// nor pruned. The engine measures a cache mount's size once, when it is made, and not again as
// later builds fill it; the disk watcher's measure of the mount (by its target and command)
// replaces it when the build was watched.
import { DockerfileParser } from 'dockerfile-ast';
import type { CacheRecord } from '../docker/build-cache.js';
import type { CacheMountSeen } from './disk.js';

export interface LedgerEntry {
  id: string;
  /** A cache mount's size as the disk watcher last measured it; unset: the engine's Size. */
  bytes?: number;
}

/** The records credited to each app. */
export type Ledger = Record<string, LedgerEntry[]>;

export interface CacheLedgerStore {
  load(): Promise<Ledger>;
  save(ledger: Ledger): Promise<void>;
}

/** A ledger kept in memory (one process, tests). */
export function memoryLedger(): CacheLedgerStore {
  let kept: Ledger = {};
  return {
    load: async () => structuredClone(kept),
    save: async (l) => {
      kept = structuredClone(l);
    },
  };
}

const squash = (s: string): string => s.replace(/\\\r?\n/g, '').replace(/\s+/g, '');

/** The commands of a Dockerfile's RUN steps, whitespace removed (shell form: the text; exec form: the arguments). */
export function runCommands(dockerfile: string): string[] {
  const commands: string[] = [];
  for (const i of DockerfileParser.parse(dockerfile).getInstructions()) {
    if (i.getKeyword().toUpperCase() !== 'RUN') continue;
    const content = (i.getArgumentsContent() ?? '').trim();
    let args: unknown;
    try {
      args = content.startsWith('[') ? JSON.parse(content) : undefined;
    } catch {
      args = undefined;
    }
    const command = Array.isArray(args) && args.every((a) => typeof a === 'string') ? args.join('') : content;
    if (squash(command)) commands.push(squash(command));
  }
  return commands;
}

/** The target and command of an exec record's description; null for other records. */
export function execOf(description: string): { target: string; command: string } | null {
  const m = /^(?:mount (\S+)|cached mount (\S+)) from exec (.*)$/s.exec(description);
  return m ? { target: (m[1] ?? m[2])!, command: m[3]! } : null;
}

/** Whether an exec record's command is one of `commands` (shell form runs as `<shell> -c <text>`). */
function isOneOf(command: string, commands: readonly string[]): boolean {
  const c = squash(command);
  return commands.some((run) => c === run || c.endsWith(`-c${run}`));
}

/** Ids of the records new since `before` that this build made. */
export function attribute(before: ReadonlySet<string>, after: readonly CacheRecord[], commands: readonly string[]): Set<string> {
  // A record of this build may still be in use when listed (the engine releases a cache mount after the build answered).
  const fresh = after.filter((r) => !before.has(r.ID));
  const mine = new Set(
    fresh
      .filter((r) => {
        const e = execOf(r.Description);
        return e !== null && isOneOf(e.command, commands);
      })
      .map((r) => r.ID),
  );
  // Only layers join by the chain (COPY/ADD results, steps): a base image's import (`from local`) serves every build.
  const byId = new Map(fresh.filter((r) => r.Description === 'fileop target' || execOf(r.Description)).map((r) => [r.ID, r]));
  // The new records chained to them: a new parent is a step of this build below it, a new child one above it.
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of byId.values()) {
      if (mine.has(r.ID)) continue;
      const parentIsMine = r.Parent ? mine.has(r.Parent) : false;
      const childIsMine = fresh.some((c) => c.Parent === r.ID && mine.has(c.ID));
      if (parentIsMine || childIsMine) {
        mine.add(r.ID);
        grew = true;
      }
    }
  }
  return mine;
}

/**
 * The ledger after one build of `app`: records gone from the engine forgotten, records another
 * app's entries share with this build (their use count grew) given up, this build's own added,
 * and the cache mounts the watcher measured sized.
 */
export function settle(
  ledger: Ledger,
  app: string,
  before: readonly CacheRecord[],
  after: readonly CacheRecord[],
  mine: ReadonlySet<string>,
  seen: readonly CacheMountSeen[] = [],
): Ledger {
  const now = new Map(after.map((r) => [r.ID, r]));
  const used = new Map(before.map((r) => [r.ID, r]));
  const usedSince = (r: CacheRecord): boolean => {
    const b = used.get(r.ID);
    return b !== undefined && (r.UsageCount > b.UsageCount || (r.LastUsedAt ?? '') !== (b.LastUsedAt ?? ''));
  };
  const out: Ledger = {};
  for (const [owner, entries] of Object.entries(ledger)) {
    const kept = entries.filter((e) => {
      const r = now.get(e.id);
      if (!r) return false;
      return owner === app || !usedSince(r);
    });
    if (kept.length) out[owner] = kept;
  }
  const own = out[app] ?? [];
  for (const id of mine) if (!own.some((e) => e.id === id)) own.push({ id });
  // A mount seen by its target and command; when the app has two cache mounts at one target, the command decides.
  for (const entry of own) {
    const r = now.get(entry.id);
    const e = r?.Type === 'exec.cachemount' ? execOf(r.Description) : null;
    if (!e) continue;
    const sameTarget = seen.filter((s) => s.mountPoint === e.target);
    const match = sameTarget.length === 1 ? sameTarget[0] : sameTarget.find((s) => squash(s.command) === squash(e.command));
    if (match && match.bytes > 0) entry.bytes = match.bytes;
  }
  if (own.length) out[app] = own;
  return out;
}

export interface Counted {
  /** Bytes of the app's records that free space when pruned. */
  totalBytes: number;
  /** Its least recently used records whose removal brings it within the budget, oldest first. */
  victims: Array<{ record: CacheRecord; bytes: number }>;
}

/** What the app's records weigh, and which go (least recently used first) to bring them within `budgetBytes`. */
export function overBudget(entries: readonly LedgerEntry[], records: readonly CacheRecord[], budgetBytes: number): Counted {
  const byId = new Map(records.map((r) => [r.ID, r]));
  const counted = entries.flatMap((e) => {
    const r = byId.get(e.id);
    return r && !r.Shared ? [{ record: r, bytes: Math.max(r.Size, e.bytes ?? 0) }] : [];
  });
  const totalBytes = counted.reduce((sum, c) => sum + c.bytes, 0);
  const victims: Counted['victims'] = [];
  let left = totalBytes;
  const lastUse = (r: CacheRecord): number => Date.parse(r.LastUsedAt ?? r.CreatedAt) || 0;
  for (const c of counted.filter((x) => !x.record.InUse).sort((a, b) => lastUse(a.record) - lastUse(b.record))) {
    if (left <= budgetBytes) break;
    victims.push(c);
    left -= c.bytes;
  }
  return { totalBytes, victims };
}
