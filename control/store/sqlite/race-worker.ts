// A second (third, ...) process on the same database file, for sqlite.test.ts: every worker
// waits on a shared barrier, then races the others to register and to create apps.
import { parentPort, workerData } from 'node:worker_threads';
import { isDeployFlowError } from '../../../common/errors/catalogue.js';
import { openSqliteStore } from './index.js';
import { DEFAULT_EDGE } from '../types.js';

interface RaceInput {
  dataDir: string;
  worker: number;
  quota: number;
  barrier: SharedArrayBuffer;
}

const input = workerData as RaceInput;
const store = openSqliteStore(input.dataDir);
const gate = new Int32Array(input.barrier);
Atomics.add(gate, 1, 1);
Atomics.wait(gate, 0, 0);

const codes: string[] = [];
let role = '';
try {
  role = (
    await store.users.create({ email: `w${input.worker}@example.com`, name: 'w', passwordHash: null, googleId: null, role: 'developer' })
  ).role;
  for (let i = 0; i < 3; i++) {
    try {
      await store.apps.create(
        {
          name: `w${input.worker}-${i}`,
          ownerId: 'shared-owner',
          ownerKind: 'user',
          collaboratorIds: [],
          replicas: 1,
          limits: { memoryMb: 128, cpus: 1 },
          healthcheck: { path: '/' },
          port: 3000,
          domains: [],
          webhookSecret: null,
          volumes: [],
          deployBranch: 'main',
          createdAt: 0,
          updatedAt: 0,
          ...DEFAULT_EDGE,
        },
        input.quota,
      );
      codes.push('ok');
    } catch (err) {
      codes.push(isDeployFlowError(err) ? err.code : String(err));
    }
  }
} finally {
  await store.close();
}
parentPort?.postMessage({ role, codes });
