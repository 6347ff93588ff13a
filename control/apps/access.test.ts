import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_EDGE, type App, type Role, type User } from '../store/types.js';
import { can, canCreateApps, type AppAction } from './access.js';

const user = (id: string, role: Role): User => ({ id, role, email: `${id}@x`, name: id, passwordHash: null, googleId: null, createdAt: 0, disabledAt: null, sessionVersion: 0 });
const app: App = {
  name: 'web', ownerId: 'owner', ownerKind: 'user', collaboratorIds: ['mate', 'peek'], replicas: 1, limits: { memoryMb: 1, cpus: 1 },
  healthcheck: { path: '/' }, port: 1, domains: [], webhookSecret: null, volumes: [], deployBranch: 'main', createdAt: 0, updatedAt: 0,
  ...DEFAULT_EDGE,
};
const ACTIONS: AppAction[] = ['view', 'operate', 'reveal', 'administer'];

describe('app access policy', () => {
  const cases: [string, User, boolean[]][] = [
    ['admin', user('root', 'admin'), [true, true, true, true]],
    ['owner', user('owner', 'developer'), [true, true, true, true]],
    ['developer collaborator', user('mate', 'developer'), [true, true, true, false]],
    ['viewer collaborator', user('peek', 'viewer'), [true, false, false, false]],
    ['viewer owner', user('owner', 'viewer'), [true, false, false, false]],
    ['stranger', user('x', 'developer'), [false, false, false, false]],
  ];
  for (const [label, who, expected] of cases) {
    it(label, () => assert.deepEqual(ACTIONS.map((a) => can(who, app, a)), expected));
  }
  it('lets admins and developers create apps, not viewers', () => {
    assert.deepEqual((['admin', 'developer', 'viewer'] as Role[]).map((r) => canCreateApps(user('u', r))), [true, true, false]);
  });
});
