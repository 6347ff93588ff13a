// Writes docs/api.md, the REST reference, from the OpenAPI document that control serves at
// GET /api/v1/openapi.json (itself generated from the route declarations and their zod schemas).
// Run it after adding or changing a route: `make api-docs` (or `node --import tsx scripts/gen-api-docs.ts`);
// test/api-docs.test.ts fails while docs/api.md differs from what this writes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openApiDocument } from '../control/openapi/document.js';
import { API_PREFIX, apiRoutes } from '../control/server/routes.js';

export const API_DOCS_FILE = fileURLToPath(new URL('../docs/api.md', import.meta.url));

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  description?: string;
  nullable?: boolean;
  format?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | Schema;
  $ref?: string;
}

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  'x-deployflow-access'?: string;
}

type Document = { paths: Record<string, Record<string, Operation>> };

/** Fields nested deeper than this are shown as `object` with their description. */
const MAX_DEPTH = 4;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

function literal(value: unknown): string {
  return `\`${JSON.stringify(value)}\``;
}

/** A short type with its bounds: `integer 1–65535`, `string ≤ 255`, `"a" \| "b"`, `A or B`. */
function typeOf(s: Schema): string {
  if (s.enum) return s.enum.map(literal).join(' or ');
  if (s.const !== undefined) return literal(s.const);
  const variants = s.anyOf ?? s.oneOf;
  // Object variants are told apart by their keys: `{rps} or {inflight}`.
  if (variants) return variants.map((v) => (v.properties ? `{${Object.keys(v.properties).join(', ')}}` : typeOf(v))).join(' or ');
  if (s.$ref) return s.$ref.split('/').pop() ?? 'object';
  let t = s.type ?? 'any';
  if (t === 'array') t = `array of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.format) t += ` (${s.format})`;
  const low = s.minimum ?? (typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : undefined);
  if (low !== undefined || s.maximum !== undefined) {
    const lowText = low === undefined ? '' : `${typeof s.exclusiveMinimum === 'number' ? '>' : ''}${low}`;
    t += s.maximum === undefined ? ` ≥ ${lowText}` : low === undefined ? ` ≤ ${s.maximum}` : ` ${lowText}–${s.maximum}`;
  }
  if (s.minLength !== undefined && s.minLength > 0) t += `, ${s.minLength}+ chars`;
  if (s.maxLength !== undefined) t += `, ≤ ${s.maxLength} chars`;
  if (s.maxItems !== undefined) t += `, ≤ ${s.maxItems} items`;
  if (s.nullable) t += ' or null';
  return t;
}

/** One row per field, nested fields as `a.b` and array items as `a[].b`. */
function fieldRows(s: Schema, prefix: string, depth: number, rows: string[]): void {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  for (const [name, field] of Object.entries(props)) {
    const key = `${prefix}${name}`;
    const notes = [field.description ?? '', field.default !== undefined ? `default ${literal(field.default)}` : '']
      .filter(Boolean)
      .join('; ');
    rows.push(`| \`${key}\` | ${cell(typeOf(field))} | ${required.has(name) ? 'yes' : ''} | ${cell(notes)} |`);
    if (depth >= MAX_DEPTH) continue;
    if (field.properties) fieldRows(field, `${key}.`, depth + 1, rows);
    else if (field.items?.properties) fieldRows(field.items, `${key}[].`, depth + 1, rows);
  }
}

function schemaBlock(title: string, s: Schema | undefined): string[] {
  if (!s) return [];
  const object = s.properties ? s : s.items?.properties ? s.items : undefined;
  if (!object) return [`${title}: ${typeOf(s)}${s.description ? ` — ${cell(s.description)}` : ''}`, ''];
  const rows: string[] = [];
  fieldRows(object, s.items?.properties ? '[].' : '', 1, rows);
  if (rows.length === 0)
    return [`${title}: ${s.items ? 'an array of objects' : 'an object'}${s.additionalProperties ? ' with any keys' : ''}`, ''];
  return [
    `${title}${object === s ? '' : ' (an array; each item)'}:`,
    '',
    '| field | type | required | notes |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

function accessOf(op: Operation): string {
  if (Array.isArray(op.security) && op.security.length === 0) return 'public';
  if (op['x-deployflow-access'] === 'admin') return 'admin (bearer token of an admin)';
  return "signed in (bearer access token or API token; app routes also check the caller's role on the app)";
}

function anchor(tag: string): string {
  return tag
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

export function renderApiDocs(doc: Document): string {
  const byTag = new Map<string, string[]>();
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'other';
      const out: string[] = [];
      out.push(`### \`${method.toUpperCase()} ${p}\``, '', op.summary ?? '', '');
      out.push(`Access: ${accessOf(op)}.`, '');
      const params = op.parameters ?? [];
      if (params.length > 0) {
        out.push('| parameter | in | type | required | description |', '| --- | --- | --- | --- | --- |');
        for (const prm of params) {
          const about = prm.description ?? prm.schema?.description ?? '';
          out.push(`| \`${prm.name}\` | ${prm.in} | ${cell(typeOf(prm.schema ?? {}))} | ${prm.required ? 'yes' : ''} | ${cell(about)} |`);
        }
        out.push('');
      }
      out.push(...schemaBlock('Request body (JSON)', op.requestBody?.content?.['application/json']?.schema));
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (status === 'default') continue;
        const body = response.content?.['application/json']?.schema;
        if (body) out.push(...schemaBlock(`Response \`${status}\``, body));
        else out.push(`Response \`${status}\`: no JSON body.`, '');
      }
      (byTag.get(tag) ?? byTag.set(tag, []).get(tag)!).push(out.join('\n'));
    }
  }
  const tags = [...byTag.keys()];
  return (
    [
      '# REST API reference',
      '',
      '<!-- Generated by scripts/gen-api-docs.ts from the OpenAPI document; do not edit by hand: run `make api-docs`. -->',
      '',
      `Every endpoint of control's API, under \`${API_PREFIX}\` on the dashboard's address (\`DEPLOYFLOW_PUBLIC_URL\`, or`,
      '`http://127.0.0.1:5000` on the server). The same description is served as OpenAPI 3 at',
      `\`GET ${API_PREFIX}/openapi.json\`. Bodies are JSON (\`content-type: application/json\`).`,
      '',
      'Authentication: `authorization: Bearer <token>`, where the token is an access token from',
      '`POST /api/v1/auth/login` (short-lived; renew it with `POST /api/v1/auth/refresh`) or an API',
      'token from `POST /api/v1/tokens` (also the password for git over HTTP). Tokens in URLs are refused.',
      '',
      'Errors: every failure answers `{"error": {"code": "DF_ERR_…", "message": "…"}}` with an HTTP status',
      'that fits; the codes are listed in `common/errors/catalogue.ts`. Input that fails validation is',
      '`400 DF_ERR_VALIDATION` and changes nothing.',
      '',
      `${tags.map((t) => `[${t}](#${anchor(t)})`).join(' · ')}`,
      '',
      ...tags.flatMap((t) => [`## ${t}`, '', ...byTag.get(t)!]),
    ]
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}

/** docs/api.md as the routes declared in this checkout describe it. */
export function currentApiDocs(): string {
  return renderApiDocs(openApiDocument(apiRoutes, API_PREFIX) as Document);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  fs.writeFileSync(API_DOCS_FILE, currentApiDocs());
  console.log(`wrote ${path.relative(process.cwd(), API_DOCS_FILE)}`);
}
