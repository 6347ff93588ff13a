import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { isDeployFlowError } from '../../common/errors/catalogue.js';
import { checkParamsDeclared } from './mount.js';
import { AppNameParam, DomainParam, EnvKeyParam, RecordId } from './params.js';

void test('a params schema must name exactly the path params', () => {
  checkParamsDeclared({ method: 'get', path: '/teams/:id/members/:userId', params: z.strictObject({ id: RecordId, userId: RecordId }) });
  checkParamsDeclared({ method: 'get', path: '/apps/:name', params: undefined });
  assert.throws(() => checkParamsDeclared({ method: 'get', path: '/teams/:id/members/:userId', params: z.strictObject({ id: RecordId }) }));
  assert.throws(() => checkParamsDeclared({ method: 'get', path: '/tokens', params: z.strictObject({ id: RecordId }) }));
  assert.throws(() =>
    checkParamsDeclared({ method: 'get', path: '/tokens/:id', params: RecordId as unknown as z.ZodType<Record<string, string>> }),
  );
});

void test('an app name param goes through the one validator and keeps its error', () => {
  assert.equal(AppNameParam.parse('my-app'), 'my-app');
  assert.throws(
    () => AppNameParam.parse('Bad_Name'),
    (err: unknown) => isDeployFlowError(err) && err.code === 'DF_ERR_INVALID_APP_NAME',
  );
  assert.throws(
    () => AppNameParam.parse('www'),
    (err: unknown) => isDeployFlowError(err) && err.code === 'DF_ERR_RESERVED_NAME',
  );
  assert.equal(RecordId.safeParse('1b4e28ba-2fa1-11d2-883f-0016cb8bd8b1').success, true);
  assert.equal(RecordId.safeParse('x\r\ny').success, false);
});

void test('domain and env key params go through the one validator and keep its errors', () => {
  assert.equal(DomainParam.parse('Shop.Example.COM'), 'shop.example.com');
  assert.throws(
    () => DomainParam.parse('127.0.0.1'),
    (err: unknown) => isDeployFlowError(err) && err.code === 'DF_ERR_INVALID_DOMAIN',
  );
  assert.equal(EnvKeyParam.parse('DATABASE_URL'), 'DATABASE_URL');
  assert.throws(
    () => EnvKeyParam.parse('__proto__'),
    (err: unknown) => isDeployFlowError(err) && err.code === 'DF_ERR_INVALID_ENV_KEY',
  );
});
