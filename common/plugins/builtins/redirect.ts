// redirect: send clients elsewhere before the app sees them — plain HTTP to HTTPS, www ↔ apex,
// and old path prefixes to new ones. One redirect carries every change at once.
import { z } from 'zod';
import { definePlugin } from '../chain.js';

const prefix = z
  .string()
  .max(256)
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, 'must be an absolute path');

export const redirectSchema = z
  .strictObject({
    https: z.boolean().optional().describe('Redirect plain HTTP to HTTPS'),
    host: z.enum(['www', 'apex']).optional().describe('www: add "www."; apex: remove it'),
    prefixes: z
      .array(z.strictObject({ from: prefix, to: prefix }))
      .max(50)
      .optional()
      .describe('A path starting with `from` is redirected to the same path starting with `to` (first match wins)'),
    permanent: z.boolean().default(true).describe('308 (permanent, default) or 307 (temporary)'),
  })
  .refine((c) => c.https === true || c.host !== undefined || (c.prefixes?.length ?? 0) > 0, 'give https, host or prefixes');

definePlugin({ name: 'redirect', schema: redirectSchema });
