// Runs the conformance suite against every backend available here: SQLite always, MongoDB when
// MONGODB_URL points at a server (each run uses databases of its own and drops them).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { runStoreConformance } from './conformance.js';
import { openStore } from './open.js';
import type { Store } from './types.js';

const tmpDirs: string[] = [];
const sqliteDirs = new Map<Store, string>();

after(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

runStoreConformance(
  'sqlite',
  async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-store-'));
    tmpDirs.push(tmp);
    const dataDir = path.join(tmp, 'data');
    const store = await openStore({ dataDir });
    sqliteDirs.set(store, dataDir);
    return store;
  },
  async (closed) => {
    const dataDir = sqliteDirs.get(closed);
    if (!dataDir) throw new Error('reopen of a store this test did not open');
    const store = await openStore({ dataDir });
    sqliteDirs.set(store, dataDir);
    return store;
  },
);

const mongodbUrl = process.env.MONGODB_URL;
if (mongodbUrl) {
  const run = `df_conformance_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const dbNames = new Map<Store, string>();
  // Recorded before opening: a failed open may still have created the database.
  const toDrop = new Set<string>();
  let n = 0;
  const { openMongoStore } = await import('./mongo/index.js');
  const { MongoClient } = await import('mongodb');

  after(async () => {
    const client = await MongoClient.connect(mongodbUrl);
    try {
      for (const name of toDrop) await client.db(name).dropDatabase();
    } finally {
      await client.close();
    }
  });

  const openNamed = async (dbName: string): Promise<Store> => {
    toDrop.add(dbName);
    const store = await openMongoStore(mongodbUrl, { dbName });
    dbNames.set(store, dbName);
    return store;
  };
  runStoreConformance(
    'mongodb',
    () => openNamed(`${run}_${n++}`),
    (closed) => {
      const dbName = dbNames.get(closed);
      if (!dbName) throw new Error('reopen of a store this test did not open');
      return openNamed(dbName);
    },
  );
} else {
  it('store conformance: mongodb', { skip: 'MongoDB conformance did not run because MONGODB_URL is unset' }, () => {});
}
