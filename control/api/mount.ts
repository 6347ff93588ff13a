// Turns route declarations into express handlers: authenticate, authorize by role, validate
// input (rejecting, never coercing silently), run, answer JSON, and audit mutating calls.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Request, Router } from 'express';
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { ControlDeps } from '../server/deps.js';
import { REQUIRE_FOR_ADMINS_SETTING } from '../accounts/second-factor.js';
import { isApiToken } from '../auth/tokens.js';
import type { User } from '../store/types.js';
import { RESPONDED, type PublicContext, type RouteSpec } from './route.js';

export function bearerCredential(req: Request): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  if (!match?.[1]) throw new DeployFlowError('DF_ERR_INVALID_TOKEN', 'Use "Authorization: Bearer <token>"');
  return match[1];
}

async function authenticate(deps: ControlDeps, req: Request, path: string): Promise<User | null> {
  const credential = bearerCredential(req);
  if (credential === null) return null;
  const user = await deps.tokens.userForCredential(credential);
  if (!user) throw new DeployFlowError('DF_ERR_INVALID_TOKEN');
  // With the platform setting on, an admin's signed-in session may only reach its own account
  // routes (/auth/…) until two-factor sign-in is on. API tokens are not sessions: they keep working.
  if (
    user.role === 'admin' &&
    !isApiToken(credential) &&
    !path.startsWith('/auth/') &&
    (await deps.store.settings.get<boolean>(REQUIRE_FOR_ADMINS_SETTING)) === true &&
    !(await deps.secondFactors.enabled(user.id))
  ) {
    throw new DeployFlowError('DF_ERR_SECOND_FACTOR_SETUP_REQUIRED');
  }
  return user;
}

/** A body a route without a body schema may still get: none, or `{}` (what many clients send). */
function isEmptyBody(value: unknown): boolean {
  return value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
}

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T>;
function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> | undefined;
function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> | undefined {
  if (!schema) {
    // A route that takes no body refuses one rather than silently ignoring what the caller meant.
    if (where === 'body' && !isEmptyBody(value)) throw new DeployFlowError('DF_ERR_VALIDATION', 'This request takes no body');
    return undefined;
  }
  const result = schema.safeParse(value ?? (where === 'body' ? {} : value));
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || where;
    throw new DeployFlowError('DF_ERR_VALIDATION', `Invalid ${field}: ${issue?.message ?? 'bad value'}`, {
      issues: result.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return result.data;
}

export function mountRoutes(router: Router, deps: ControlDeps, routes: RouteSpec[]): void {
  for (const spec of routes) {
    if (spec.method !== 'get' && !spec.audit) throw new Error(`route ${spec.method} ${spec.path} must declare its audit action`);
    checkParamsDeclared(spec);
    router[spec.method](spec.path, async (req, res) => {
      const ctx: PublicContext<unknown, unknown> = {
        req,
        res,
        deps,
        user: null,
        params: req.params as Record<string, string>,
        body: undefined,
        query: undefined,
        ip: clientAddress(req),
        audit: { target: null, details: null },
      };
      try {
        ctx.user = await authenticate(deps, req, spec.path);
        const handle = admit(spec, ctx);
        if (spec.params) ctx.params = parse(spec.params, req.params, 'params');
        ctx.query = parse(spec.query, req.query, 'query');
        ctx.body = parse(spec.body, req.body, 'body');
        const result = await handle();
        if (spec.audit) await recordAudit(deps, spec.audit, ctx, 'ok');
        if (result === RESPONDED) return;
        if (result === undefined) res.status(spec.status ?? 204).end();
        else res.status(spec.status ?? 200).json(result);
      } catch (err) {
        if (spec.audit) await recordAudit(deps, spec.audit, ctx, 'error', err);
        throw err;
      }
    });
  }
}

/** A route's params schema names exactly the path's `:params`: none is left unparsed, none is made up. */
export function checkParamsDeclared(spec: Pick<RouteSpec, 'method' | 'path' | 'params'>): void {
  if (!spec.params) return;
  const inPath = [...spec.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]).sort();
  const declared = spec.params instanceof z.ZodObject ? Object.keys(spec.params.shape as object).sort() : null;
  if (declared?.join() !== inPath.join())
    throw new Error(`route ${spec.method} ${spec.path}: its params schema must be an object of exactly ${inPath.join(', ') || 'nothing'}`);
}

/**
 * Checks the caller against the route's access (before any input is read) and binds the handler
 * to the context that access promises: a known user, or on a public route whoever it is. The same
 * object either way, so what a handler writes into it (the user it signed in, the audit target)
 * is what the audit records.
 */
function admit(spec: RouteSpec, ctx: PublicContext<unknown, unknown>): () => Promise<unknown> {
  if (spec.access === 'public') return () => spec.handler(ctx);
  const user = ctx.user;
  if (!user) throw new DeployFlowError('DF_ERR_UNAUTHENTICATED');
  if (spec.access === 'admin' && user.role !== 'admin') throw new DeployFlowError('DF_ERR_FORBIDDEN', 'Only admins may do that');
  const authed = Object.assign(ctx, { user });
  return () => spec.handler(authed);
}

/**
 * The client address: express's (X-Forwarded-For from a loopback proxy, i.e. the gateway) when it
 * is an IP address, else the socket's — a local process could send any text in that header.
 */
function clientAddress(req: Request): string {
  if (req.ip && isIP(req.ip)) return req.ip;
  return req.socket.remoteAddress ?? 'unknown';
}

// C0/C1 controls and bidi overrides: an audit field rendered as text (an export, a terminal)
// must not be able to start a fake line, recolour it or reverse it.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function printable(value: string | null): string | null {
  return value === null ? null : value.replace(UNPRINTABLE, '\ufffd').slice(0, 300);
}

async function recordAudit(
  deps: ControlDeps,
  action: string,
  ctx: { user: User | null; ip: string; audit: PublicContext<unknown, unknown>['audit'] },
  result: 'ok' | 'error',
  err?: unknown,
): Promise<void> {
  const code = err instanceof DeployFlowError ? err.code : err ? 'DF_ERR_INTERNAL' : undefined;
  try {
    await deps.store.audit.append({
      id: randomUUID(),
      at: deps.clock(),
      actorId: ctx.user?.id ?? null,
      actorEmail: ctx.user?.email ?? null,
      action,
      target: printable(ctx.audit.target),
      result,
      ip: ctx.ip,
      details: code ? { ...(ctx.audit.details ?? {}), error: code } : ctx.audit.details,
    });
  } catch (auditErr) {
    deps.log.error({ err: auditErr, action }, 'audit write failed');
  }
}
