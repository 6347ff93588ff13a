// headers: set and remove headers on the request the app receives and on the response the
// client receives. Framing and routing headers (Host, Content-Length, …) are refused.
import { z } from 'zod';
import { definePlugin } from '../chain.js';
import { headerChanges } from './fields.js';

export const headersSchema = z
  .strictObject({
    request: headerChanges.optional().describe('Changes to the request the app receives'),
    response: headerChanges.optional().describe('Changes to the response the client receives'),
  })
  .refine((c) => c.request !== undefined || c.response !== undefined, 'give request or response changes');

definePlugin({ name: 'headers', schema: headersSchema });
