// The embedded store serves one control instance: its file lives on one machine's disk, and
// control's in-memory state (drains, log rings) assumes no second control shares it. A second
// control on the same data dir is refused at start. The claim is an exclusive SQLite lock on a
// file of its own (`control.claim` beside the store), so the kernel frees it when the holder dies
// however it dies (SIGKILL included), and the store file itself stays open to the git service,
// which shares it in the split layout.
import path from 'node:path';
import Database from 'better-sqlite3';
import { DeployFlowError } from '../../../common/errors/catalogue.js';

export const CLAIM_FILE = 'control.claim';

export interface SqliteClaim {
  release(): void;
}

/** Claims the data dir's embedded store for this control process; throws DF_ERR_STORE_IN_USE when another holds it. */
export function claimSqliteStore(dataDir: string): SqliteClaim {
  const file = path.join(dataDir, CLAIM_FILE);
  // No busy wait: a held claim answers SQLITE_BUSY at once.
  const db = new Database(file, { timeout: 0 });
  try {
    // In exclusive locking mode the write lock taken by the first write is kept until the
    // connection closes: for as long as this process lives.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS claim (pid INTEGER NOT NULL, at INTEGER NOT NULL)');
    db.transaction(() => {
      db.exec('DELETE FROM claim');
      db.prepare('INSERT INTO claim (pid, at) VALUES (?, ?)').run(process.pid, Date.now());
    }).exclusive();
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new DeployFlowError(
        'DF_ERR_STORE_IN_USE',
        `another control process already runs on the embedded SQLite store in ${dataDir}; ` +
          'SQLite serves one control instance: for several, set MONGODB_URL (see docs/operations.md, "Several instances")',
      );
    }
    throw err;
  }
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}
