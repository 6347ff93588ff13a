// rate-limit: at most `rate` requests per `periodSeconds` per client address for the whole app,
// counted in Redis so every gateway shares the count; over it, 429 with Retry-After.
import { z } from 'zod';
import { definePlugin } from '../chain.js';

export const rateLimitSchema = z.strictObject({
  rate: z.number().int().min(1).max(1_000_000).describe('Requests allowed per period and client address (≥ 1)'),
  periodSeconds: z.number().int().min(1).max(86_400).default(1).describe('The period (default 1 s)'),
});

definePlugin({ name: 'rate-limit', schema: rateLimitSchema });
