// Picks the backend: MongoDB when a URL is configured (production), otherwise the embedded
// SQLite file in the data dir (the zero-setup default).
import fs from 'node:fs';
import type { Store } from './types.js';

export async function openStore(opts: { dataDir: string; mongodbUrl?: string }): Promise<Store> {
  if (opts.mongodbUrl) {
    // Loaded only when used, so the embedded default never pays for the driver.
    const { openMongoStore } = await import('./mongo/index.js');
    return openMongoStore(opts.mongodbUrl);
  }
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const { openSqliteStore } = await import('./sqlite/index.js');
  return openSqliteStore(opts.dataDir);
}
