// compress: gzip or brotli responses for clients that accept them, skipping bodies that are
// small, already compressed (images, archives, anything with a Content-Encoding) or marked
// no-transform.
import { z } from 'zod';
import { definePlugin } from '../chain.js';

export const DEFAULT_COMPRESS_TYPES = [
  'text/',
  'application/json',
  'application/javascript',
  'application/xml',
  'application/xhtml+xml',
  'application/rss+xml',
  'application/atom+xml',
  'application/manifest+json',
  'application/wasm',
  'image/svg+xml',
  'font/ttf',
  'font/otf',
];

export const compressSchema = z.strictObject({
  types: z
    .array(
      z
        .string()
        .min(1)
        .max(100)
        .regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]*$/, 'must be a media type or a prefix such as text/'),
    )
    .max(50)
    .default(DEFAULT_COMPRESS_TYPES)
    .describe('Content types compressed (an entry ending in "/" matches the whole family)'),
  minBytes: z
    .number()
    .int()
    .min(0)
    .max(10 * 1024 * 1024)
    .default(1024)
    .describe('Bodies known to be smaller are sent as they are'),
  algorithms: z
    .array(z.enum(['br', 'gzip']))
    .min(1)
    .max(2)
    .default(['br', 'gzip'])
    .describe('Preferred first'),
});

definePlugin({ name: 'compress', schema: compressSchema });
