// The "nothing points outside the tree" rule (pure). A lexical check on each name is not enough
// for symlinks: `d -> .` plus `l -> d/..` is lexically inside but physically the parent. So each
// symlink target is resolved component by component through the tree's own symlinks, the way a
// kernel would, and refused if it ever climbs above the root, is absolute, or loops.
import { DeployFlowError } from '../../common/errors/catalogue.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface TreeEntry {
  path: string;
  type: EntryType;
  /** Symlink target, as stored. */
  target?: string;
}

const MAX_LINK_DEPTH = 40;

export function unsafe(reason: string, path: string): DeployFlowError {
  return new DeployFlowError('DF_ERR_UNSAFE_ARCHIVE', `${reason}: ${JSON.stringify(path.slice(0, 200))}`, { path: path.slice(0, 200) });
}

/** Normalises an entry name to `a/b/c` or throws for absolute names, `..` and odd bytes. */
export function checkEntryName(name: string): string {
  const trimmed = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed === '.') return '.';
  if (trimmed.startsWith('/') || /^[A-Za-z]:/.test(trimmed)) throw unsafe('absolute path', name);
  if (trimmed.includes('\0')) throw unsafe('NUL in path', name);
  const parts = trimmed.split('/');
  if (parts.some((p) => p === '..')) throw unsafe('path with ..', name);
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

function resolve(links: ReadonlyMap<string, string>, dir: string[], target: string, depth: number, origin: string): string[] {
  if (target.startsWith('/')) throw unsafe('symlink to an absolute path', origin);
  if (depth > MAX_LINK_DEPTH) throw unsafe('symlink loop', origin);
  let cur = [...dir];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (cur.length === 0) throw unsafe('symlink pointing outside the tree', origin);
      cur.pop();
      continue;
    }
    cur.push(part);
    const link = links.get(cur.join('/'));
    if (link !== undefined) cur = resolve(links, cur.slice(0, -1), link, depth + 1, origin);
  }
  return cur;
}

/** Throws DF_ERR_UNSAFE_ARCHIVE for the first entry that could reach outside the tree. */
export function checkTree(entries: readonly TreeEntry[]): void {
  const links = new Map<string, string>();
  const names: string[] = [];
  for (const e of entries) {
    const name = checkEntryName(e.path);
    if (e.type === 'other') throw unsafe('special file (device, fifo or hard link)', e.path);
    if (e.type === 'symlink') {
      if (e.target === undefined || e.target === '') throw unsafe('symlink without target', e.path);
      links.set(name, e.target);
    }
    names.push(name);
  }
  for (const name of names) {
    // An entry below a symlinked directory would be written through the link when extracted.
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (links.has(parts.slice(0, i).join('/'))) throw unsafe('entry below a symlink', name);
    }
  }
  for (const [name, target] of links) resolve(links, name.split('/').slice(0, -1), target, 0, name);
}
