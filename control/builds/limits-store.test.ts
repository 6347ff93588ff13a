// buildLimits() through a real (SQLite) store: the memory a build of an app gets is what its
// owner's memory quota leaves after the owner's apps, within the configured build memory and never
// under the floor; admins' apps and pids/CPU are not quota-counted (docs/build-isolation.md).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { loadConfig } from '../../common/config/config.js';
import { newApp, newUser } from '../store/conformance/fixtures.js';
import { openStore } from '../store/open.js';
import { BUILD_MEMORY_FLOOR_MB, buildLimits } from './limits.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-build-limits-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

it("takes a build's memory from the owner's quota, counted over the owner's apps", async () => {
  const store = await openStore({ dataDir: path.join(dir, 'data') });
  const config = loadConfig({
    DEPLOYFLOW_DATA_DIR: dir,
    DEPLOYFLOW_MEMORY_QUOTA_MB: '4096',
    DEPLOYFLOW_BUILD_MEMORY_MB: '2048',
    DEPLOYFLOW_BUILD_PIDS: '512',
    DEPLOYFLOW_BUILD_CPUS: '1.5',
  });
  const limits = buildLimits({ store, config });
  const admin = await store.users.create(newUser('admin@example.test', { role: 'admin' })); // the first user is the admin
  const dev = await store.users.create(newUser('dev@example.test'));
  const other = await store.users.create(newUser('other@example.test'));
  await store.apps.create(newApp('small', dev.id, { replicas: 1, limits: { memoryMb: 512, cpus: 0.5 } }), 50);
  assert.deepEqual(await limits('small'), { memoryMb: 2048, cpus: 1.5, pids: 512 }, 'the quota leaves more than the build size');
  // The owner's apps reserve 512 + 3 × 1024 = 3584 MB of 4096: the build gets the 512 MB left.
  await store.apps.create(newApp('big', dev.id, { replicas: 3, limits: { memoryMb: 1024, cpus: 0.5 } }), 50);
  assert.equal((await limits('small')).memoryMb, 512);
  assert.equal((await limits('big')).memoryMb, 512, "every app of the owner's counts, the built one too");
  // Another owner's apps do not count against this one; a collaborator's own apps neither.
  await store.apps.create(newApp('theirs', other.id, { replicas: 4, limits: { memoryMb: 1024, cpus: 0.5 } }), 50);
  assert.equal((await limits('small')).memoryMb, 512);
  assert.equal((await limits('theirs')).memoryMb, BUILD_MEMORY_FLOOR_MB, 'at the quota: the floor, so the owner can redeploy');
  // Admins are exempt; an unknown app gets the configured size. pids and CPU are per-build platform limits.
  await store.apps.create(newApp('admins', admin.id, { replicas: 8, limits: { memoryMb: 1024, cpus: 0.5 } }), 50);
  assert.deepEqual(await limits('admins'), { memoryMb: 2048, cpus: 1.5, pids: 512 });
  assert.equal((await limits('no-such-app')).memoryMb, 2048);
  assert.deepEqual([(await limits('theirs')).pids, (await limits('theirs')).cpus], [512, 1.5]);
  // A team's apps are counted against the team's quota, as deploys count them (assertQuota).
  const team = 'team-0001';
  await store.apps.create(newApp('team-a', team, { ownerKind: 'team', replicas: 3, limits: { memoryMb: 1024, cpus: 0.5 } }), 50);
  await store.apps.create(newApp('team-b', team, { ownerKind: 'team', replicas: 1, limits: { memoryMb: 512, cpus: 0.5 } }), 50);
  assert.equal((await limits('team-b')).memoryMb, 512, "a team's build gets what the team's apps leave");
  await store.close?.();
});
