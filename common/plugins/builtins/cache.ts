// cache: a small in-memory response cache per app on each gateway. It stores only what a shared
// cache may (RFC 9111): GET responses with an explicit lifetime (s-maxage, max-age or Expires, or
// the configured default) or no-cache with a validator (revalidated before every use), never
// private, no-store, Set-Cookie or Vary: * responses, and nothing for requests carrying
// Authorization; Vary'd headers select the variant (gateway/plugins/builtins/cache.ts).
import { z } from 'zod';
import { definePlugin } from '../chain.js';

export const cacheSchema = z.strictObject({
  maxEntries: z.number().int().min(1).max(10_000).default(1000).describe('Responses kept (least recently used go first)'),
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(16 * 1024 * 1024)
    .describe('Bytes kept in all'),
  maxEntryBytes: z
    .number()
    .int()
    .min(1)
    .max(16 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('Larger responses are not kept'),
  defaultTtlSeconds: z
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(0)
    .describe(
      'Lifetime of responses that give none (0: only responses with max-age, s-maxage or Expires are kept, and no-cache ones with an ETag or Last-Modified, revalidated before every use)',
    ),
});

definePlugin({ name: 'cache', schema: cacheSchema });
