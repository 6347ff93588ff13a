// HTTP hygiene of control: body limit, JSON only, security headers, JSON errors for unknown
// routes, /health reporting store, Redis and Docker, and the OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_PREFIX, apiRoutes } from '../control/server/routes.js';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';

describe('control HTTP hygiene', () => {
  let control: TestControl;
  let redis: TestRedis;
  let user: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    redis = await startRedis();
    control = await startTestControl({ REDIS_URL: redis.url });
    user = await registerUser(control.url);
  });
  after(async () => {
    await control.stop();
    await redis.stop();
  });

  it('answers 413 with DF_ERR_PAYLOAD_TOO_LARGE beyond the body limit, and stores nothing', async () => {
    await user.post('/api/v1/apps', { name: 'big' });
    const res = await user.put('/api/v1/apps/big/env', { vars: { HUGE: 'x'.repeat(1_100_000) } });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'DF_ERR_PAYLOAD_TOO_LARGE');
    assert.deepEqual((await user.get('/api/v1/apps/big/env')).body.vars, {});
  });

  it('refuses non-JSON and malformed JSON bodies', async () => {
    const form = await user.request('POST', '/api/v1/apps', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    assert.equal(form.body.error.code, 'DF_ERR_UNSUPPORTED_MEDIA');
    // JSON text labelled as something else is refused too, not parsed anyway (a text/plain POST
    // is what a cross-site form can send without a preflight).
    for (const type of ['text/plain', 'text/plain;charset=utf-8', 'application/jsonx', 'multipart/form-data; boundary=x']) {
      const labelled = await user.request('POST', '/api/v1/apps', '{"name":"plain-json"}', { 'content-type': type });
      assert.deepEqual([labelled.status, labelled.body.error.code], [415, 'DF_ERR_UNSUPPORTED_MEDIA'], type);
    }
    assert.equal((await user.get('/api/v1/apps/plain-json')).status, 404, 'nothing was created');
    const broken = await user.request('POST', '/api/v1/apps', '{"name":', { 'content-type': 'application/json' });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, 'DF_ERR_BAD_JSON');
  });

  it('answers a malformed percent-escape in the path with 400, not 500, even without a token', async () => {
    for (const p of ['/api/v1/apps/%', '/api/v1/deployments/%ff', '/api/v1/tokens/%']) {
      const res = await new Client(control.url).get(p);
      assert.deepEqual([res.status, res.body.error.code], [400, 'DF_ERR_VALIDATION'], p);
    }
  });

  it('refuses a body on a route that takes none, instead of ignoring what the caller meant', async () => {
    await user.post('/api/v1/apps', { name: 'nobody-body' });
    const refused = await user.post('/api/v1/apps/nobody-body/webhook-secret', { branch: 'prod' });
    assert.deepEqual([refused.status, refused.body.error.code], [400, 'DF_ERR_VALIDATION']);
    assert.equal((await user.post('/api/v1/apps/nobody-body/webhook-secret', [1, 2])).status, 400);
    assert.equal((await user.post('/api/v1/apps/nobody-body/webhook-secret', {})).status, 200, 'an empty object is no body');
  });

  it('refuses a forged path param before it reaches the audit, and keeps the address an address', async () => {
    const forgedId = encodeURIComponent('x\r\n2026-01-01 admin app.delete ok\u001b[0m\u202e');
    const refused = await user.request('DELETE', `/api/v1/keys/${forgedId}`);
    assert.deepEqual([refused.status, refused.body.error.code], [400, 'DF_ERR_VALIDATION']);
    assert.match(refused.body.error.message, /^Invalid id: /);
    await user.request('POST', '/api/v1/tokens', { name: 'spoofed' }, { 'x-forwarded-for': 'not-an-ip<script>' });
    const events = (await user.get('/api/v1/audit?limit=20')).body as { action: string; target: string | null; ip: string }[];
    const forged = events.find((e) => e.action === 'key.remove');
    assert.ok(forged, JSON.stringify(events));
    assert.equal(forged.target, null, 'none of the forged text is recorded');
    const token = events.find((e) => e.action === 'token.create');
    assert.ok(token && /^(::ffff:)?127\.0\.0\.1$|^::1$/.test(token.ip), JSON.stringify(token));
  });

  it('sets security headers and never caches API answers', async () => {
    const res = await user.get('/api/v1/apps');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('x-powered-by'), null);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await user.get('/api/v1/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'DF_ERR_NOT_FOUND');
  });

  it('reports store, Redis and Docker on /health, and notices Redis going away and coming back', async () => {
    const up = await new Client(control.url).get('/health');
    assert.equal(up.status, 200);
    assert.equal(up.body.store.status, 'ok');
    assert.equal(up.body.redis, 'ok');
    assert.ok(['ok', 'down'].includes(up.body.docker));
    await redis.stop();
    const down = await new Client(control.url).get('/health');
    assert.equal(down.status, 200);
    assert.equal(down.body.redis, 'down');
    assert.equal(down.body.status, 'degraded');
    // Auth keeps working without Redis (the limiter falls back to memory).
    const login = await new Client(control.url).post('/api/v1/auth/login', { email: user.email, password: 'correct horse battery' });
    assert.equal(login.status, 200);
    await redis.start();
    // Control reconnects by itself: wait until it has, so the suite's end (control.stop) does not
    // cut the commands it queued while reconnecting (their rejections would outlive the test).
    let back = '';
    for (let i = 0; i < 100 && back !== 'ok'; i++) {
      back = (await new Client(control.url).get('/health')).body.redis;
      if (back !== 'ok') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(back, 'ok', 'control sees Redis again once it is back');
  });

  it('publishes an OpenAPI document describing every route with its schemas', async () => {
    const doc = (await new Client(control.url).get('/api/v1/openapi.json')).body;
    assert.equal(doc.openapi, '3.0.3');
    for (const route of apiRoutes) {
      const p = (API_PREFIX + route.path).replace(/:([A-Za-z]+)/g, '{$1}');
      assert.ok(doc.paths[p]?.[route.method], `${route.method} ${p} documented`);
    }
    for (const raw of ['/api/v1/auth/google', '/api/v1/webhooks/github/{app}', '/api/v1/webhooks/gitlab/{app}'])
      assert.ok(doc.paths[raw], `${raw} documented`);
    const create = doc.paths['/api/v1/apps'].post;
    assert.ok(create.requestBody.content['application/json'].schema.properties.name);
    assert.deepEqual(doc.paths['/api/v1/auth/login'].post.security, []);
  });
});
