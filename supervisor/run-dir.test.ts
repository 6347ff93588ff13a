import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { processStartTime, readRecord, removeRecord, stillRuns, writeRecord } from './run-dir.js';

void test('a record names the live process it was written for, and no other', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-run-'));
  try {
    writeRecord(dir, 'supervisor', process.pid);
    const record = readRecord(dir, 'supervisor')!;
    assert.equal(record.pid, process.pid);
    assert.equal(record.started, processStartTime(process.pid));
    assert.ok(stillRuns(record));
    assert.ok(stillRuns(record, 'node'), 'the command name is checked when asked for');
    assert.equal(stillRuns(record, 'redis-server'), false);
    // The same pid with another start time is a reused pid: not ours.
    assert.equal(stillRuns({ pid: process.pid, started: '1' }), false);
    removeRecord(dir, 'supervisor');
    assert.equal(readRecord(dir, 'supervisor'), null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void test('a bare pid (as redis-server writes it) is read; garbage is not', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-run-'));
  try {
    fs.writeFileSync(path.join(dir, 'redis.pid'), '12345\n');
    assert.deepEqual(readRecord(dir, 'redis'), { pid: 12345, started: null });
    fs.writeFileSync(path.join(dir, 'x.pid'), '{"pid":"1; rm -rf /"}');
    assert.equal(readRecord(dir, 'x'), null);
    fs.writeFileSync(path.join(dir, 'y.pid'), '{"pid":1}');
    assert.equal(readRecord(dir, 'y'), null, 'never pid 1');
    // A process that ended is not running any more.
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    assert.equal(stillRuns({ pid: child.pid!, started: null }), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
