// The SSH host key is generated once and kept mode 0600, so clients see the same host identity
// across restarts. 'wx' makes a concurrent second start read the first one's key.
import fs from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';

export function defaultHostKeyPath(dataDir: string): string {
  return path.join(dataDir, 'git', 'ssh_host_ed25519_key');
}

/**
 * ssh2 now and then (about 1 in 500, measured) generates an ed25519 key that its own parser
 * refuses ("Malformed OpenSSH private key"); kept on disk, it would stop the SSH service at every
 * start. A new key is made until one parses.
 */
function parseableKeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

export function loadOrCreateHostKey(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const pair = parseableKeyPair();
  try {
    fs.writeFileSync(file, pair.private, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file);
    throw err;
  }
  fs.writeFileSync(`${file}.pub`, pair.public + '\n', { mode: 0o644 });
  return Buffer.from(pair.private);
}
