// What kind of app a source tree is, decided from a snapshot of its top-level files only, so the
// decision is pure and testable without git or Docker. Order (first match wins): a Dockerfile,
// Node.js (package.json), Python (requirements.txt), Go (go.mod), static site (index.html).
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { procfileWeb } from './procfile.js';

/** The top-level files a detector may look at; sources read only these. */
export const DETECT_FILES = ['Dockerfile', 'package.json', 'Procfile'] as const;

export interface SourceSnapshot {
  /** Names of regular files at the top of the tree. */
  names: ReadonlySet<string>;
  /** Contents of those of DETECT_FILES that exist. */
  contents: Readonly<Partial<Record<(typeof DETECT_FILES)[number], string>>>;
}

/** A start command in exec form; shell lines (Procfile) are wrapped in `sh -c` explicitly. */
export type StartCommand = string[];

export interface NodeFacts {
  install: 'ci' | 'install' | null;
  /** Lock files present at the top, copied before install so the install layer caches. */
  manifests: string[];
  build: boolean;
}

export type Detection =
  | { kind: 'dockerfile' }
  | { kind: 'node'; node: NodeFacts; start: StartCommand }
  | { kind: 'python'; start: StartCommand }
  | { kind: 'go'; start: StartCommand | null }
  | { kind: 'static' };

const SAFE_REL = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/@-]+$/;

function shell(line: string): StartCommand {
  return ['/bin/sh', '-c', line];
}

function undetected(reason?: string): DeployFlowError {
  return new DeployFlowError('DF_ERR_UNDETECTED_APP', reason);
}

interface PackageJson {
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  main?: unknown;
}

function parsePackageJson(text: string): PackageJson {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as PackageJson;
  } catch {
    // fall through to the one error below
  }
  throw new DeployFlowError('DF_ERR_VALIDATION', 'package.json is not a valid JSON object');
}

function count(obj: unknown): number {
  return obj && typeof obj === 'object' ? Object.keys(obj).length : 0;
}

function detectNode(snap: SourceSnapshot, web: string | undefined): Detection {
  const pkg = parsePackageJson(snap.contents['package.json'] ?? '{}');
  const scripts = pkg.scripts ?? {};
  const hasDeps = count(pkg.dependencies) + count(pkg.devDependencies) > 0;
  const locks = ['package-lock.json', 'npm-shrinkwrap.json'].filter((n) => snap.names.has(n));
  const node: NodeFacts = {
    install: hasDeps ? (locks.length > 0 ? 'ci' : 'install') : null,
    manifests: ['package.json', ...locks],
    build: typeof scripts.build === 'string',
  };
  let start: StartCommand | undefined;
  if (web !== undefined) start = shell(web);
  else if (typeof scripts.start === 'string') start = ['npm', 'start'];
  else if (snap.names.has('server.js')) start = ['node', 'server.js'];
  else if (typeof pkg.main === 'string' && SAFE_REL.test(pkg.main)) start = ['node', pkg.main];
  else if (snap.names.has('index.js')) start = ['node', 'index.js'];
  if (!start) throw undetected('Node.js app with no way to start it: add a "start" script, a Procfile web: line, or server.js');
  return { kind: 'node', node, start };
}

export function detect(snap: SourceSnapshot): Detection {
  if (snap.names.has('Dockerfile')) return { kind: 'dockerfile' };
  const web = procfileWeb(snap.contents.Procfile);
  if (snap.names.has('package.json')) return detectNode(snap, web);
  if (snap.names.has('requirements.txt')) {
    const entry = ['app.py', 'main.py'].find((n) => snap.names.has(n));
    if (web !== undefined) return { kind: 'python', start: shell(web) };
    if (entry) return { kind: 'python', start: ['python', entry] };
    throw undetected('Python app with no way to start it: add a Procfile web: line, app.py or main.py');
  }
  if (snap.names.has('go.mod')) return { kind: 'go', start: web === undefined ? null : shell(web) };
  if (snap.names.has('index.html')) return { kind: 'static' };
  throw undetected();
}
