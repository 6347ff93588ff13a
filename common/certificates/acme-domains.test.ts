import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueForRenewal } from './acme-domains.js';

void test('renewal picks the certificates that end within the window, expired ones too', () => {
  const day = 24 * 3600_000;
  const domains = [
    { domain: 'b.example', notAfterMs: 100 * day },
    { domain: 'a.example', notAfterMs: 20 * day },
    { domain: 'gone.example', notAfterMs: -1 * day },
    { domain: 'edge.example', notAfterMs: 30 * day },
  ];
  assert.deepEqual(dueForRenewal(domains, 0, 30 * day), ['a.example', 'edge.example', 'gone.example']);
  assert.deepEqual(dueForRenewal(domains, -20 * day, 30 * day), ['gone.example']);
});
