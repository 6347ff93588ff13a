// What only the SQLite backend has to get right: the file, its pragmas, migrations, and races
// between processes sharing one file (the conformance suite races within one process).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { openStore } from '../open.js';
import { DB_FILE, openDb } from './db.js';
import { MIGRATIONS } from './migrations.js';

// Workers do not inherit tsx's loader hooks, so each one loads the TypeScript worker through tsx's API.
const WORKER_URL = new URL('./race-worker.ts', import.meta.url).href;
const WORKER_BOOT = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(WORKER_URL)}, ${JSON.stringify(WORKER_URL)}))`;

describe('sqlite backend', () => {
  let tmp = '';
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-sqlite-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates a private data dir and database file with WAL and foreign keys on', async () => {
    const dataDir = path.join(tmp, 'nested', 'data');
    const store = await openStore({ dataDir });
    try {
      assert.equal(store.backend, 'sqlite');
      assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.join(dataDir, DB_FILE)).mode & 0o777, 0o600);
    } finally {
      await store.close();
    }
    const db = openDb(dataDir);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.ok(Number(db.pragma('busy_timeout', { simple: true })) > 0);
    } finally {
      db.close();
    }
  });

  it('records each migration once, however often the file is opened', () => {
    openDb(tmp).close();
    const db = openDb(tmp);
    try {
      const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
      assert.deepEqual(
        rows.map((r) => r.version),
        MIGRATIONS.map((m) => m.version),
      );
    } finally {
      db.close();
    }
  });

  it('applies a new migration to an existing database and refuses a database from a newer release', () => {
    openDb(tmp).close();
    const next = [...MIGRATIONS, { version: 9999, name: 'test column', sql: 'ALTER TABLE settings ADD COLUMN note TEXT' }];
    const db = openDb(tmp, next);
    db.prepare("INSERT INTO settings (key, value, note) VALUES ('k', '1', 'added by 9999')").run();
    db.close();
    assert.throws(() => openDb(tmp), /newer release/);
  });

  it('opens a database from before deployment error codes: old failures read a null code, new ones keep theirs', async () => {
    const before = MIGRATIONS.filter((m) => m.version < 9);
    assert.ok(before.length < MIGRATIONS.length, 'the error code migration comes after these');
    const old = openDb(tmp, before);
    old
      .prepare(
        `INSERT INTO deployments (id, app, status, source, created_at, finished_at, error)
         VALUES ('00000000-0000-4000-8000-000000000001', 'web', 'failed', 'git', 1, 2, 'health check failed')`,
      )
      .run();
    old.close();
    const store = await openStore({ dataDir: tmp });
    try {
      const [kept] = await store.deployments.listByApp('web');
      assert.deepEqual([kept?.status, kept?.error, kept?.errorCode], ['failed', 'health check failed', null]);
      const updated = await store.deployments.update(kept!.id, { errorCode: 'DF_ERR_HEALTHCHECK_FAILED' });
      assert.equal(updated?.errorCode, 'DF_ERR_HEALTHCHECK_FAILED');
    } finally {
      await store.close();
    }
  });

  it('keeps quota and first-admin exact across processes sharing the file', async () => {
    const dataDir = path.join(tmp, 'data');
    // Created (and migrated) up front, so the workers race on data, not on the schema.
    await (await openStore({ dataDir })).close();
    const workers = 4;
    const barrier = new SharedArrayBuffer(8);
    const gate = new Int32Array(barrier);
    const results = Array.from({ length: workers }, (_, worker) => {
      const w = new Worker(WORKER_BOOT, { eval: true, workerData: { dataDir, worker, quota: 3, barrier } });
      return new Promise<{ role: string; codes: string[] }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
    });
    while (Atomics.load(gate, 1) < workers) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const done = await Promise.all(results);
    const codes = done.flatMap((d) => d.codes);
    assert.equal(codes.filter((c) => c === 'ok').length, 3, codes.join(' '));
    assert.equal(codes.filter((c) => c === 'DF_ERR_QUOTA_EXCEEDED').length, workers * 3 - 3, codes.join(' '));
    assert.equal(done.filter((d) => d.role === 'admin').length, 1);
    const store = await openStore({ dataDir });
    try {
      assert.equal(await store.apps.countOwnedBy('shared-owner'), 3);
      assert.equal(await store.users.count(), workers);
    } finally {
      await store.close();
    }
  });
});
