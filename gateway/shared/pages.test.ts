import assert from 'node:assert/strict';
import { it } from 'node:test';
import { GATEWAY_ERRORS, type GatewayErrorCode } from '../../common/errors/catalogue.js';
import { rawPage } from './pages.js';

it('a raw page (a parse error before any request) names the catalogue code of its own status', () => {
  for (const status of [400, 408, 413, 431] as const) {
    const [head, body] = rawPage(status).split('\r\n\r\n');
    assert.match(head!, new RegExp(`^HTTP/1\\.1 ${status} `));
    const code = (JSON.parse(body!) as { error: { code: GatewayErrorCode } }).error.code;
    assert.equal(GATEWAY_ERRORS[code].status, status, `${status} answered ${code}`);
  }
});
