// A route is declared once, as data: method, path, who may call it, the zod schemas of its
// input (path params, body, query), how it is audited, and its handler. The same declaration mounts it on express,
// validates requests, records the audit event, and becomes its OpenAPI description.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { ControlDeps } from '../server/deps.js';
import type { User } from '../store/types.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** public: anyone; user: any signed-in user; admin: role admin. Resource checks come on top. */
export type Access = 'public' | 'user' | 'admin';

/** Who the handler is told called: a signed-in user, except on public routes (signed in or not). */
export type CallerOf<A extends Access> = A extends 'public' ? User | null : User;

/** What a route's path params are when it declares no schema for them: the raw strings. */
export type RawParams = Record<string, string>;

export interface RequestContext<B, Q, U extends User | null = User | null, P = RawParams> {
  req: Request;
  res: Response;
  deps: ControlDeps;
  /** A public route that signs someone in (or makes an account) sets it, so the audit names them. */
  user: U;
  /** Parsed by the route's `params` schema when it declares one. */
  params: P;
  body: B;
  query: Q;
  ip: string;
  /** Handlers fill these in so the audit event names what was touched. */
  audit: { target: string | null; details: Record<string, unknown> | null };
}

/** What a `user` or `admin` route's handler gets: the caller is known. */
export type AuthedContext<B, Q, P = RawParams> = RequestContext<B, Q, User, P>;

/** What a `public` route's handler gets: the caller, if they sent a valid credential. */
export type PublicContext<B, Q> = RequestContext<B, Q, User | null>;

/** Returned by handlers that wrote the response themselves (redirects, plain text). */
export const RESPONDED = Symbol('responded');

interface Declaration<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType<RawParams>, A extends Access> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  access: A;
  /** One schema per `:param` of the path, no more and no fewer (checked at mount). */
  params?: P;
  body?: B;
  query?: Q;
  /** Documents the success body; not enforced at run time. */
  response?: z.ZodType;
  status?: number;
  /** Every mutating route must name its audit action (enforced at mount). */
  audit?: string;
  handler: (ctx: RequestContext<z.infer<B>, z.infer<Q>, CallerOf<A>, z.infer<P>>) => Promise<unknown>;
}

/** A declared route, its input types forgotten: `access` still tells which context its handler takes. */
export type RouteSpec = { [A in Access]: Declaration<z.ZodType, z.ZodType, z.ZodType<RawParams>, A> }[Access];

export function defineRoute<
  B extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  P extends z.ZodType<RawParams> = z.ZodType<RawParams>,
  A extends Access = Access,
>(spec: Declaration<B, Q, P, A>): RouteSpec {
  // Forgets the schemas' types only: the handler is mounted behind the schemas it was typed by.
  return spec as unknown as RouteSpec;
}
