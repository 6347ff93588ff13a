// Where the CLI keeps its API token: $XDG_CONFIG_HOME/deployflow/credentials (default
// ~/.config/deployflow/credentials), JSON, mode 0600 in a 0700 folder. DEPLOYFLOW_URL and
// DEPLOYFLOW_TOKEN override what is stored (for CI, where nobody logs in).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, EXIT } from './errors.js';

export interface Credentials {
  url: string;
  token: string;
  /** The token's id when the CLI created it at login (logout revokes it). */
  tokenId?: string;
  email?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:5000';

export function credentialsPath(): string {
  const configHome = process.env.XDG_CONFIG_HOME || path.join(process.env.HOME || os.homedir(), '.config');
  return path.join(configHome, 'deployflow', 'credentials');
}

export function readStored(): Credentials | null {
  let text: string;
  try {
    text = fs.readFileSync(credentialsPath(), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Credentials>;
    return typeof parsed.url === 'string' && typeof parsed.token === 'string' ? (parsed as Credentials) : null;
  } catch {
    return null;
  }
}

export function writeStored(credentials: Credentials): void {
  const file = credentialsPath();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written to a private temporary file first, so the token is never readable by others, even briefly.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removeStored(): boolean {
  try {
    fs.unlinkSync(credentialsPath());
    return true;
  } catch {
    return false;
  }
}

/** The platform's URL: DEPLOYFLOW_URL, else the stored one, else a local platform. */
export function platformUrl(): string {
  return (process.env.DEPLOYFLOW_URL || readStored()?.url || DEFAULT_URL).replace(/\/+$/, '');
}

/** The API token to send, or exit 3 with how to get one. */
export function requireToken(): string {
  const token = process.env.DEPLOYFLOW_TOKEN || readStored()?.token;
  if (!token)
    throw new CliError('DF_ERR_UNAUTHENTICATED', 'Not logged in: run `deployflow login` (or set DEPLOYFLOW_TOKEN)', EXIT.unauthenticated);
  return token;
}
