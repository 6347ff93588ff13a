// Field shapes several built-in plugins share: header names and values that can safely be set
// on a proxied message, and header names a plugin must never touch (framing and routing).
import { z } from 'zod';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
/** Headers that frame or route the message: changing them would desynchronise or misroute it. */
const RESERVED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
]);

export const headerName = z
  .string()
  .regex(TOKEN, "must be a header name (letters, digits and !#$%&'*+.^_`|~-)")
  .refine((n) => !RESERVED.has(n.toLowerCase()), 'is managed by the gateway and cannot be changed by a plugin');

// Visible ASCII, spaces and tabs only: no CR or LF, so a value cannot start a new header.
export const headerValue = z
  .string()
  .max(4096)
  .regex(/^[\t\x20-\x7e]*$/, 'must be printable ASCII without line breaks');

export const headerChanges = z.strictObject({
  add: z
    .record(headerName, headerValue)
    .refine((o) => Object.keys(o).length <= 32, 'at most 32 headers')
    .optional()
    .describe('Headers set (replacing any of the same name)'),
  remove: z.array(headerName).max(32).optional().describe('Headers removed'),
});
