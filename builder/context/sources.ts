// Where source trees come from: a commit of a bare repository (git push) or a plain directory
// (a webhook clone). Both are read twice on purpose — first the whole listing, checked before a
// single byte is sent to Docker, then the contents, streamed into the build context.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Pack } from 'tar-stream';
import tar from 'tar-stream';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { gitArchive, readBlobs, readGitTree, type GitDir } from './git.js';
import { checkEntryName, unsafe, type TreeEntry } from './tree-check.js';

export interface Source {
  /** Every entry, for the tree check. */
  entries: TreeEntry[];
  /** Top-level regular file names. */
  topNames: Set<string>;
  /** The contents of these top-level files (all of them read at once: one git process, not one each). */
  readTop(names: readonly string[]): Promise<Map<string, string>>;
  /** Writes the tree into `pack`, leaving out names for which `skip` is true. */
  writeTo(pack: Pack, skip: (name: string) => boolean): Promise<void>;
}

export type SourceSpec = { kind: 'git'; repo: string; commit: string; env?: Record<string, string> } | { kind: 'dir'; dir: string };

function write(pack: Pack, header: tar.Header | (Partial<tar.Header> & { name: string }), body?: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    // The pack destroyed (the build context over its limit, the build cancelled) destroys the entry
    // with that error: the pipe below re-emits it, and an 'error' without a listener would be an
    // uncaught exception that ends the service.
    sink.on('error', reject);
    if (body) {
      body.once('error', reject);
      body.pipe(sink as unknown as NodeJS.WritableStream);
    }
  });
}

async function gitSource(dir: string, commit: string, env?: Record<string, string>): Promise<Source> {
  if (!path.isAbsolute(dir)) throw new DeployFlowError('DF_ERR_INVALID_PATH', 'The repository path must be absolute');
  const repo: GitDir = env ? { dir, env } : dir;
  const tree = await readGitTree(repo, commit);
  return {
    entries: tree.entries,
    topNames: new Set(tree.top.keys()),
    async readTop(names) {
      const present = names.filter((n) => tree.top.has(n));
      const blobs = await readBlobs(
        repo,
        present.map((n) => tree.top.get(n)!),
      );
      return new Map(present.map((n, i) => [n, blobs[i]?.toString('utf8') ?? '']));
    },
    async writeTo(pack, skip) {
      const extract = tar.extract();
      extract.on('entry', (header, stream, next) => {
        // Checked again while streaming, in case the archive differs from the listing.
        let name: string;
        try {
          name = checkEntryName(header.name);
        } catch (err) {
          return next(err as Error);
        }
        const type = header.type === 'contiguous-file' ? 'file' : header.type;
        if (type !== 'file' && type !== 'directory' && type !== 'symlink') return next(unsafe('special file', header.name));
        if (name === '.' || skip(name)) {
          stream.resume();
          return next();
        }
        const out = {
          name: type === 'directory' ? `${name}/` : name,
          type,
          mode: header.mode,
          mtime: header.mtime,
          size: header.size,
          linkname: header.linkname ?? undefined,
        };
        write(pack, out, type === 'file' ? (stream as unknown as NodeJS.ReadableStream) : undefined).then(() => {
          stream.resume();
          next();
        }, next);
      });
      const archive = gitArchive(repo, tree.commit);
      await new Promise<void>((resolve, reject) => {
        archive.once('error', reject);
        // Nobody reads the archive any more (a refused entry, or the build context abandoned):
        // closing its pipe ends git archive instead of leaving it blocked on a full pipe.
        extract.once('error', (err) => {
          archive.destroy();
          reject(err);
        });
        extract.once('finish', resolve);
        archive.pipe(extract as unknown as NodeJS.WritableStream);
      });
    },
  };
}

async function walk(root: string, rel: string, out: TreeEntry[]): Promise<void> {
  for (const dirent of await fsp.readdir(path.join(root, rel), { withFileTypes: true })) {
    const name = rel ? `${rel}/${dirent.name}` : dirent.name;
    if (!rel && dirent.name === '.git') continue;
    if (dirent.isSymbolicLink()) out.push({ path: name, type: 'symlink', target: await fsp.readlink(path.join(root, name)) });
    else if (dirent.isDirectory()) {
      out.push({ path: name, type: 'dir' });
      await walk(root, name, out);
    } else out.push({ path: name, type: dirent.isFile() ? 'file' : 'other' });
  }
}

async function dirSource(dir: string): Promise<Source> {
  const root = path.resolve(dir);
  const entries: TreeEntry[] = [];
  await walk(root, '', entries);
  return {
    entries,
    topNames: new Set(entries.filter((e) => e.type === 'file' && !e.path.includes('/')).map((e) => e.path)),
    readTop: async (names) =>
      new Map(await Promise.all(names.map(async (n) => [n, await fsp.readFile(path.join(root, n), 'utf8')] as const))),
    async writeTo(pack, skip) {
      for (const e of entries) {
        if (skip(e.path)) continue;
        // lstat, never stat: the tree check already vetted each link, follow none of them here.
        const st = await fsp.lstat(path.join(root, e.path));
        const base = { name: e.path, mode: st.mode & 0o7777, mtime: st.mtime };
        if (e.type === 'dir') await write(pack, { ...base, name: `${e.path}/`, type: 'directory' });
        else if (e.type === 'symlink') await write(pack, { ...base, type: 'symlink', linkname: e.target });
        else if (st.isFile()) {
          // O_NOFOLLOW: a file swapped for a link after the check is refused, not followed.
          const handle = await fsp.open(path.join(root, e.path), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
          await write(pack, { ...base, type: 'file', size: st.size }, handle.createReadStream()).finally(() =>
            handle.close().catch(() => undefined),
          );
        }
      }
    },
  };
}

export function openSource(spec: SourceSpec): Promise<Source> {
  return spec.kind === 'git' ? gitSource(spec.repo, spec.commit, spec.env) : dirSource(spec.dir);
}
