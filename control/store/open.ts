// Picks the backend: MongoDB when a URL is configured (production), otherwise the embedded
// SQLite file in the data dir (the zero-setup default).
import fs from 'node:fs';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { Store } from './types.js';

export async function openStore(opts: { dataDir: string; mongodbUrl?: string }): Promise<Store> {
  if (opts.mongodbUrl) {
    // The MongoDB backend lands in the next commit.
    throw new DeployFlowError('DF_ERR_CONFIG', 'The MongoDB store backend is not available yet');
  }
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const { openSqliteStore } = await import('./sqlite/index.js');
  return openSqliteStore(opts.dataDir);
}
