// The cache budget per app on its own: which new records a build made, what another app's build
// shares, and which records go when an app is over its budget.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CacheRecord } from '../docker/build-cache.js';
import { attribute, overBudget, runCommands, settle } from './cache-budget.js';

const rec = (ID: string, o: Partial<CacheRecord> = {}): CacheRecord => ({
  ID,
  Type: 'regular',
  Description: 'fileop target',
  InUse: false,
  Shared: false,
  Size: 0,
  CreatedAt: '2026-01-01T00:00:00Z',
  LastUsedAt: '2026-01-01T00:00:00Z',
  UsageCount: 1,
  ...o,
});

describe('build cache budget per app', () => {
  it('reads the RUN commands of a Dockerfile in both forms, flags and line breaks left out', () => {
    const df = 'FROM x\nRUN --mount=type=cache,id=a,target=/c npm ci && \\\n  npm run build\nRUN ["node", "-e", "1 + 1"]\nCMD ["node"]\n';
    assert.deepEqual(runCommands(df), ['npmci&&npmrunbuild', 'node-e1+1']);
  });

  it("credits a build with the new records of its own commands and their chain, not another build's", () => {
    const before = new Set(['base']);
    const after = [
      rec('base', { Description: 'from local ' }),
      rec('import', { Parent: 'base', Description: 'from local ' }), // a base image's layer imported during the build
      rec('copy', { Parent: 'import' }), // COPY below the RUN
      rec('run', { Parent: 'copy', Description: 'mount / from exec /bin/sh -c npm ci && npm run build' }),
      rec('top', { Parent: 'run' }), // COPY above it
      rec('mount', { Type: 'exec.cachemount', Description: 'cached mount /root/.npm from exec /bin/sh -c npm ci &&  npm run build' }),
      rec('context', { Description: 'http url http://build-context-x' }), // whose, cannot be told
      rec('theirs', { Parent: 'base', Description: 'mount / from exec /bin/sh -c make' }), // another build at the same time
      rec('busy', { InUse: true, Parent: 'run', Description: 'mount / from exec /bin/sh -c npm ci && npm run build' }),
    ];
    const mine = attribute(before, after, ['npmci&&npmrunbuild']);
    assert.deepEqual([...mine].sort(), ['busy', 'copy', 'mount', 'run', 'top']);
  });

  it("gives up another app's record that this build used, forgets gone ones, and sizes cache mounts as measured", () => {
    const before = [
      rec('a1', { UsageCount: 1 }),
      rec('a2'),
      rec('gone'),
      rec('m', { Type: 'exec.cachemount', Description: 'cached mount /c from exec sh -c x', Size: 10 }),
    ];
    const after = [rec('a1', { UsageCount: 2, LastUsedAt: '2026-01-02T00:00:00Z' }), rec('a2'), before[3]!, rec('b1')];
    const ledger = settle({ a: [{ id: 'a1' }, { id: 'a2' }, { id: 'gone' }], b: [{ id: 'm' }] }, 'b', before, after, new Set(['b1']), [
      { mountPoint: '/c', command: 'sh -c x', bytes: 5000 },
    ]);
    assert.deepEqual(ledger, { a: [{ id: 'a2' }], b: [{ id: 'm', bytes: 5000 }, { id: 'b1' }] });
  });

  it("picks the app's least recently used records until it is within budget; images' layers and records in use are not counted or taken", () => {
    const records = [
      rec('old', { Size: 400, LastUsedAt: '2026-01-01T00:00:00Z' }),
      rec('mid', { Size: 400, LastUsedAt: '2026-01-02T00:00:00Z' }),
      rec('new', { Size: 400, LastUsedAt: '2026-01-03T00:00:00Z' }),
      rec('layer', { Size: 9000, Shared: true, LastUsedAt: '2025-01-01T00:00:00Z' }),
      rec('mount', { Type: 'exec.cachemount', Size: 10, LastUsedAt: '2026-01-04T00:00:00Z' }),
      rec('other-app', { Size: 9000, LastUsedAt: '2020-01-01T00:00:00Z' }),
    ];
    const entries = [{ id: 'old' }, { id: 'mid' }, { id: 'new' }, { id: 'layer' }, { id: 'mount', bytes: 300 }];
    const counted = overBudget(entries, records, 1000);
    assert.equal(counted.totalBytes, 1500);
    assert.deepEqual(
      counted.victims.map((v) => v.record.ID),
      ['old', 'mid'],
    );
    assert.deepEqual(overBudget(entries, records, 2000).victims, []);
  });
});
