// Authorization on every declared route, driven by the route list itself so a new route cannot
// slip through untested: anonymous callers get 401 on every non-public route, a stranger gets
// 404 on every route of someone else's app, a developer gets 403 on every admin route, and a
// viewer collaborator gets 403 on every route that changes an app.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_PREFIX, apiRoutes } from '../control/server/routes.js';
import { addCollaborator, Client, registerUser, startTestControl, type TestControl } from './support/control.js';

const SAMPLE_BODIES: Record<string, unknown> = {
  'patch /apps/:name': { replicas: 1 },
  'put /apps/:name/env': { vars: { KEY: 'value' } },
  'post /apps/:name/collaborators': { email: 'someone@example.test' },
  'post /apps/:name/transfer': { toUserId: 'someone' },
  'post /apps/:name/scale': { replicas: 1 },
  'post /apps/:name/domains': { domain: 'owned.example.test' },
  'delete /apps/:name/domains': { domain: 'owned.example.test' },
  'put /apps/:name/domains/:domain/certificate': { certificate: 'x', privateKey: 'y' },
};

function concrete(path: string): string {
  return (
    API_PREFIX +
    path
      .replace(':name', 'owned-app')
      .replace(':key', 'KEY')
      .replace(':domain', 'owned.example.test')
      .replace(':userId', 'u1')
      .replace(':id', 'x')
  );
}

describe('authorization on every route', () => {
  let control: TestControl;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let stranger: Awaited<ReturnType<typeof registerUser>>;
  let viewer: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    control = await startTestControl();
    const admin = await registerUser(control.url);
    owner = await registerUser(control.url);
    stranger = await registerUser(control.url);
    viewer = await registerUser(control.url, 'viewer', admin);
    assert.equal((await owner.post('/api/v1/apps', { name: 'owned-app' })).status, 201);
    await owner.put('/api/v1/apps/owned-app/env', { vars: { KEY: 'secret' } });
    await addCollaborator(owner, 'owned-app', viewer);
  });
  after(() => control.stop());

  for (const route of apiRoutes) {
    const label = `${route.method} ${route.path}`;
    const body = SAMPLE_BODIES[label] ?? (route.method === 'get' || route.method === 'delete' ? undefined : {});

    if (route.access !== 'public') {
      it(`${label}: anonymous → 401`, async () => {
        const res = await new Client(control.url).request(route.method.toUpperCase(), concrete(route.path), body);
        assert.equal(res.status, 401);
        assert.equal(res.body.error.code, 'DF_ERR_UNAUTHENTICATED');
      });
    }
    if (route.access === 'admin') {
      it(`${label}: developer → 403`, async () => {
        const res = await stranger.request(route.method.toUpperCase(), concrete(route.path), body);
        assert.equal(res.status, 403);
      });
    }
    if (route.path.includes(':name')) {
      it(`${label}: another user's app → 404`, async () => {
        const res = await stranger.request(route.method.toUpperCase(), concrete(route.path), body);
        assert.equal(res.status, 404);
        assert.equal(res.body.error.code, 'DF_ERR_APP_NOT_FOUND');
      });
      if (route.method !== 'get') {
        it(`${label}: viewer collaborator → 403`, async () => {
          const res = await viewer.request(route.method.toUpperCase(), concrete(route.path), body);
          assert.equal(res.status, 403);
        });
      }
    }
  }

  it('left the app and its env untouched after all of that', async () => {
    const app = await owner.get('/api/v1/apps/owned-app');
    assert.equal(app.status, 200);
    assert.equal((await owner.get('/api/v1/apps/owned-app/env')).body.vars.KEY, 'secret');
  });

  it('masks env values for a viewer and refuses reveal', async () => {
    const masked = await viewer.get('/api/v1/apps/owned-app/env');
    assert.equal(masked.status, 200);
    assert.equal(masked.body.masked, true);
    assert.notEqual(masked.body.vars.KEY, 'secret');
    assert.equal((await viewer.get('/api/v1/apps/owned-app/env?reveal=true')).status, 403);
  });
});
