// git invocations as data (`[args]`) run by one spawn-based runner: never a shell, the repo
// passed as its own argument, the commit validated as a 40-hex SHA before it is used.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { envOf, gitArgs, runGit, type GitDir } from '../../common/git/run.js';
import { parseCommitSha, type CommitSha } from '../../common/names/validate.js';
import type { EntryType, TreeEntry } from './tree-check.js';

export { runGit, type GitDir };

/** `git archive` of one commit as a tar stream; a git failure surfaces as a stream error. */
export function gitArchive(repo: GitDir, commit: CommitSha): Readable {
  const child = spawn('git', gitArgs(repo, ['archive', '--format=tar', commit]), { env: envOf(repo), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.once('close', (code) => {
    if (code !== 0) child.stdout.destroy(new DeployFlowError('DF_ERR_INVALID_REF', `git archive failed: ${err.trim().slice(0, 500)}`));
  });
  return child.stdout;
}

function entryType(mode: string): EntryType {
  if (mode === '120000') return 'symlink';
  if (mode === '100644' || mode === '100755') return 'file';
  return 'other';
}

interface LsTreeRow {
  mode: string;
  oid: string;
  path: string;
}

/** Parses `git ls-tree -r -z` output; submodules (gitlinks) are left out like `git archive` does. */
export function parseLsTree(out: Buffer): LsTreeRow[] {
  const rows: LsTreeRow[] = [];
  for (const rec of out.toString('utf8').split('\0')) {
    const m = /^(\d{6}) (\w+) ([0-9a-f]{40,64})\t(.+)$/s.exec(rec);
    if (!m?.[1] || !m[2] || !m[3] || !m[4] || m[2] === 'commit') continue;
    rows.push({ mode: m[1], oid: m[3], path: m[4] });
  }
  return rows;
}

/** Reads blobs through one `git cat-file --batch`, in the order asked. */
export async function readBlobs(repo: GitDir, oids: string[]): Promise<Buffer[]> {
  if (oids.length === 0) return [];
  const out = await runGit(repo, ['cat-file', '--batch'], oids.map((o) => `${o}\n`).join(''));
  const blobs: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < oids.length; i++) {
    const nl = out.indexOf(0x0a, at);
    const header = out.subarray(at, nl).toString();
    const size = Number(/^\S+ \S+ (\d+)$/.exec(header)?.[1]);
    if (!Number.isFinite(size)) throw new DeployFlowError('DF_ERR_INTERNAL', `git cat-file: unexpected "${header.slice(0, 100)}"`);
    blobs.push(out.subarray(nl + 1, nl + 1 + size));
    at = nl + 1 + size + 1;
  }
  return blobs;
}

export interface GitTree {
  commit: CommitSha;
  entries: TreeEntry[];
  /** Top-level regular files by name → blob id, for detection. */
  top: Map<string, string>;
}

export async function readGitTree(repo: GitDir, commitValue: unknown): Promise<GitTree> {
  const commit = parseCommitSha(commitValue);
  // `^{commit}` makes git itself refuse anything that is not a commit (one process, not two).
  const listing = await runGit(repo, ['ls-tree', '-r', '-z', '--full-tree', `${commit}^{commit}`]).catch(() => null);
  if (listing === null) throw new DeployFlowError('DF_ERR_INVALID_REF', `No commit ${commit} in the repository`);
  const rows = parseLsTree(listing);
  const links = rows.filter((r) => r.mode === '120000');
  const targets = await readBlobs(
    repo,
    links.map((r) => r.oid),
  );
  const targetOf = new Map(links.map((r, i) => [r.path, targets[i]?.toString('utf8') ?? '']));
  const entries = rows.map((r): TreeEntry => ({ path: r.path, type: entryType(r.mode), target: targetOf.get(r.path) }));
  const top = new Map(rows.filter((r) => !r.path.includes('/') && entryType(r.mode) === 'file').map((r) => [r.path, r.oid]));
  return { commit, entries, top };
}
