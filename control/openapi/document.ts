// The OpenAPI description, generated from the very route declarations (and zod schemas) that
// validate requests, so the document cannot drift from what the server accepts.
import { z } from 'zod';
import type { RouteSpec } from '../api/route.js';
import { RAW_ROUTE_DOCS } from './raw-routes.js';

function schema(s: z.ZodType): unknown {
  return z.toJSONSchema(s, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' });
}

function openapiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path: converted, params };
}

/** A path param as the route's params schema types and describes it (a plain string without one). */
function pathParam(route: RouteSpec, name: string): Record<string, unknown> {
  const declared = route.params instanceof z.ZodObject ? (route.params.shape as Record<string, z.ZodType | undefined>)[name] : undefined;
  if (!declared) return { name, in: 'path', required: true, schema: { type: 'string' } };
  return {
    name,
    in: 'path',
    required: true,
    ...(declared.description ? { description: declared.description } : {}),
    schema: schema(declared),
  };
}

export function openApiDocument(routes: RouteSpec[], prefix: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const { path, params } = openapiPath(prefix + route.path);
    const status = String(route.status ?? (route.response ? 200 : 204));
    const queryParams =
      route.query && route.query instanceof z.ZodObject
        ? Object.entries(route.query.shape as Record<string, z.ZodType>).map(([name, s]) => ({
            name,
            in: 'query',
            required: false,
            schema: schema(s),
          }))
        : [];
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.access === 'public' ? { security: [] } : {}),
      parameters: [...params.map((name) => pathParam(route, name)), ...queryParams],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(route.body) } } } } : {}),
      responses: {
        [status]: route.response
          ? { description: 'Success', content: { 'application/json': { schema: schema(route.response) } } }
          : { description: 'Success' },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
      ...(route.access === 'admin' ? { 'x-deployflow-access': 'admin' } : {}),
    };
  }
  for (const raw of RAW_ROUTE_DOCS) {
    (paths[prefix + raw.path] ??= {})[raw.method] = {
      summary: raw.summary,
      tags: [raw.tag],
      security: [],
      parameters: (raw.params ?? []).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      responses: {
        [String(raw.status)]: { description: 'Success' },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'DeployFlow API', version: '1' },
    paths,
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Access JWT or API token' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string', pattern: '^DF_ERR_' }, message: { type: 'string' } },
            },
          },
        },
      },
    },
  };
}
