// docs/api.md is generated from the OpenAPI document (itself generated from the route
// declarations), so the REST reference cannot drift from what the server accepts: a route added,
// removed or changed without regenerating the file fails here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { API_DOCS_FILE, currentApiDocs } from '../scripts/gen-api-docs.js';

void test('docs/api.md matches the routes declared in this checkout', () => {
  const expected = currentApiDocs();
  const actual = fs.existsSync(API_DOCS_FILE) ? fs.readFileSync(API_DOCS_FILE, 'utf8') : '';
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  let line = 0;
  while (line < a.length && a[line] === e[line]) line += 1;
  assert.fail(
    'docs/api.md is out of date with the API routes: run `make api-docs` (node --import tsx scripts/gen-api-docs.ts) ' +
      `and commit docs/api.md. First difference at line ${line + 1}:\n  docs/api.md: ${a[line] ?? '(end of file)'}\n` +
      `  generated:   ${e[line] ?? '(end of file)'}`,
  );
});

void test('the reference lists every declared route with its method and path', () => {
  const doc = currentApiDocs();
  assert.match(doc, /^### `POST \/api\/v1\/auth\/register`$/m);
  assert.match(doc, /^### `GET \/api\/v1\/apps\/\{name\}`$/m);
  assert.match(doc, /^### `POST \/api\/v1\/webhooks\/github\/\{app\}`$/m, 'raw routes are described too');
  assert.match(doc, /\| `port` \| integer 1–65535 \| {2}\| Port the app listens on inside its container \(PORT\) \|/);
});
