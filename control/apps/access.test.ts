import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_EDGE, type App, type Role, type TeamRole, type User } from '../store/types.js';
import { can, canCreateApps, type AppAction } from './access.js';

const user = (id: string, role: Role): User => ({
  id,
  role,
  email: `${id}@x`,
  name: id,
  passwordHash: null,
  googleId: null,
  createdAt: 0,
  disabledAt: null,
  sessionVersion: 0,
});
const app: App = {
  name: 'web',
  ownerId: 'owner',
  ownerKind: 'user',
  collaboratorIds: ['mate', 'peek'],
  replicas: 1,
  limits: { memoryMb: 1, cpus: 1 },
  healthcheck: { path: '/' },
  port: 1,
  domains: [],
  webhookSecret: null,
  volumes: [],
  deployBranch: 'main',
  createdAt: 0,
  updatedAt: 0,
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
    it(label, () =>
      assert.deepEqual(
        ACTIONS.map((a) => can(who, app, a)),
        expected,
      ),
    );
  }
  const teamApp: App = { ...app, ownerId: 'team-1', ownerKind: 'team', collaboratorIds: ['mate'] };
  const teamCases: [string, User, TeamRole | null, boolean[]][] = [
    ['team admin', user('lead', 'developer'), 'admin', [true, true, true, true]],
    ['team developer', user('dev', 'developer'), 'developer', [true, true, true, false]],
    ['team viewer', user('look', 'developer'), 'viewer', [true, false, false, false]],
    ['team developer with the viewer platform role', user('dev', 'viewer'), 'developer', [true, false, false, false]],
    ['collaborator of a team app', user('mate', 'developer'), null, [true, true, true, false]],
    ['team viewer who also collaborates', user('mate', 'developer'), 'viewer', [true, true, true, false]],
    ['non-member', user('x', 'developer'), null, [false, false, false, false]],
    ['a user whose id is the team id', user('team-1', 'developer'), null, [false, false, false, false]],
  ];
  for (const [label, who, role, expected] of teamCases) {
    it(label, () =>
      assert.deepEqual(
        ACTIONS.map((a) => can(who, teamApp, a, role)),
        expected,
      ),
    );
  }
  it('ignores a team role on an app a user owns', () => {
    assert.deepEqual(
      ACTIONS.map((a) => can(user('x', 'developer'), app, a, 'admin')),
      [false, false, false, false],
    );
  });
  it('lets admins and developers create apps, not viewers', () => {
    assert.deepEqual(
      (['admin', 'developer', 'viewer'] as Role[]).map((r) => canCreateApps(user('u', r))),
      [true, true, false],
    );
  });
});
