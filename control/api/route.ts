// A route is declared once, as data: method, path, who may call it, the zod schemas of its
// input, how it is audited, and its handler. The same declaration mounts it on express,
// validates requests, records the audit event, and becomes its OpenAPI description.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { ControlDeps } from '../server/deps.js';
import type { User } from '../store/types.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** public: anyone; user: any signed-in user; admin: role admin. Resource checks come on top. */
export type Access = 'public' | 'user' | 'admin';

export interface RequestContext<B, Q> {
  req: Request;
  res: Response;
  deps: ControlDeps;
  user: User | null;
  params: Record<string, string>;
  body: B;
  query: Q;
  ip: string;
  /** Handlers fill these in so the audit event names what was touched. */
  audit: { target: string | null; details: Record<string, unknown> | null };
}

export interface AuthedContext<B, Q> extends RequestContext<B, Q> {
  user: User;
}

/** Returned by handlers that wrote the response themselves (redirects, plain text). */
export const RESPONDED = Symbol('responded');

export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: B;
  query?: Q;
  /** Documents the success body; not enforced at run time. */
  response?: z.ZodType;
  status?: number;
  /** Every mutating route must name its audit action (enforced at mount). */
  audit?: string;
  handler: (ctx: AuthedContext<z.infer<B>, z.infer<Q>>) => Promise<unknown>;
}

export function defineRoute<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType>(spec: RouteSpec<B, Q>): RouteSpec {
  return spec as unknown as RouteSpec;
}
