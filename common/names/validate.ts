// The one validator for every name that comes from outside and reaches Docker, git, a file path,
// DNS or a route. It rejects, never strips or rewrites: a name that needs fixing is refused with
// a DF_ERR_* code so the user sees what was wrong. The branded types make "validated" visible to
// the compiler: only these functions produce them.
import { DeployFlowError } from '../errors/catalogue.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type AppName = Brand<string, 'AppName'>;
export type EnvKey = Brand<string, 'EnvKey'>;
export type Domain = Brand<string, 'Domain'>;
export type GitRef = Brand<string, 'GitRef'>;
export type CommitSha = Brand<string, 'CommitSha'>;
export type ContainerPath = Brand<string, 'ContainerPath'>;
export type VolumeName = Brand<string, 'VolumeName'>;

const APP_NAME = /^[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const COMMIT_SHA = /^[0-9a-f]{40}$/;
// No dots: Docker volume names put a dot between app and volume, and app names have none either.
const VOLUME_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Hosts the platform itself answers on (`<word>.<domain>`), so no app may take them. */
export const RESERVED_APP_NAMES: ReadonlySet<string> = new Set([
  'admin',
  'api',
  'app',
  'apps',
  'assets',
  'auth',
  'cdn',
  'console',
  'control',
  'dashboard',
  'deployflow',
  'dns',
  'docs',
  'ftp',
  'gateway',
  'git',
  'health',
  'imap',
  'localhost',
  'login',
  'mail',
  'metrics',
  'ns',
  'ns1',
  'ns2',
  'paas',
  'pop',
  'registry',
  'root',
  'smtp',
  'ssh',
  'static',
  'status',
  'system',
  'traefik',
  'web',
  'webmail',
  'www',
]);

export function isAppName(value: unknown): value is AppName {
  return typeof value === 'string' && APP_NAME.test(value) && !value.startsWith('xn--') && !RESERVED_APP_NAMES.has(value);
}

export function parseAppName(value: unknown): AppName {
  if (typeof value !== 'string' || !APP_NAME.test(value) || value.startsWith('xn--')) {
    throw new DeployFlowError('DF_ERR_INVALID_APP_NAME', undefined, { name: String(value).slice(0, 100) });
  }
  if (RESERVED_APP_NAMES.has(value)) throw new DeployFlowError('DF_ERR_RESERVED_NAME', `"${value}" is reserved by the platform`);
  return value as AppName;
}

export function parseEnvKey(value: unknown): EnvKey {
  // `__proto__` is a legal shell name but JSON parsers and validators drop or misread it as an
  // object key; refusing it is clearer than losing it silently.
  if (typeof value !== 'string' || value.length > 255 || !ENV_KEY.test(value) || value === '__proto__') {
    throw new DeployFlowError('DF_ERR_INVALID_ENV_KEY', undefined, { key: String(value).slice(0, 100) });
  }
  return value as EnvKey;
}

/**
 * An env value as a container can carry it: a string without NUL (the kernel's environment is a
 * list of NUL-terminated strings). The API checks it when a value is set and the release again,
 * so a value that could never deploy is refused where it is typed, naming its key.
 */
export function checkEnvValue(key: string, value: unknown): string {
  if (typeof value !== 'string' || value.includes('\0')) {
    throw new DeployFlowError('DF_ERR_VALIDATION', `The value of ${key.slice(0, 100)} must be text without NUL characters`, {
      key: key.slice(0, 100),
    });
  }
  return value;
}

/**
 * A fully qualified host name: at least two labels, each a DNS label, 253 characters at most.
 * Host names are case-insensitive, so upper case is accepted and returned lower case; anything
 * else (IP literals, trailing dots, ports, wildcards, unicode that is not punycode) is refused.
 */
export function parseDomain(value: unknown): Domain {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253) throw invalidDomain(value);
  const lower = value.toLowerCase();
  const labels = lower.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) throw invalidDomain(value);
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) throw invalidDomain(value);
  return lower as Domain;
}

function invalidDomain(value: unknown): DeployFlowError {
  return new DeployFlowError('DF_ERR_INVALID_DOMAIN', undefined, { domain: String(value).slice(0, 100) });
}

/**
 * A branch or tag name as `git check-ref-format` allows it, minus anything that could be read as
 * an option (leading '-') or that we have no use for. `refs/heads/main` and `main` both pass.
 */
export function parseGitRef(value: unknown): GitRef {
  const bad = (): DeployFlowError => new DeployFlowError('DF_ERR_INVALID_REF', undefined, { ref: String(value).slice(0, 100) });
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) throw bad();
  if (value.startsWith('-') || value.startsWith('/') || value.endsWith('/') || value.endsWith('.')) throw bad();
  if (value.endsWith('.lock') || value.includes('..') || value.includes('//') || value.includes('@{') || value === '@') throw bad();
  // eslint-disable-next-line no-control-regex -- control characters are exactly what git refuses
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(value)) throw bad();
  if (value.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) throw bad();
  return value as GitRef;
}

export function isCommitSha(value: unknown): value is CommitSha {
  return typeof value === 'string' && COMMIT_SHA.test(value);
}

export function parseCommitSha(value: unknown): CommitSha {
  if (typeof value !== 'string' || !COMMIT_SHA.test(value))
    throw new DeployFlowError('DF_ERR_INVALID_REF', 'A commit must be a full 40-character hex SHA');
  return value as CommitSha;
}

/** An absolute path inside a container (volume mount points): no `..`, no odd characters. */
export function parseContainerPath(value: unknown): ContainerPath {
  const bad = (): DeployFlowError => new DeployFlowError('DF_ERR_INVALID_PATH', undefined, { path: String(value).slice(0, 100) });
  if (typeof value !== 'string' || value.length > 255 || !/^\/[A-Za-z0-9._/-]*$/.test(value)) throw bad();
  // One spelling per path (no `/data/` beside `/data`, no `//`): Docker refuses two mounts of
  // one point, which a spelling difference would otherwise only reveal at every deploy.
  if (value.split('/').some((part, i) => part === '..' || part === '.' || (i > 0 && part === ''))) throw bad();
  if (value === '/' || /^\/(proc|sys|dev|etc|bin|sbin|usr|lib|lib64|boot)(\/|$)/.test(value)) throw bad();
  return value as ContainerPath;
}

/** A persistent volume's name as the app declares it (`data`, `uploads`), not Docker's name for it. */
export function parseVolumeName(value: unknown): VolumeName {
  if (typeof value !== 'string' || !VOLUME_NAME.test(value)) {
    throw new DeployFlowError('DF_ERR_VALIDATION', 'Volume names are 1-63 lowercase letters, digits, "-" or "_"');
  }
  return value as VolumeName;
}
