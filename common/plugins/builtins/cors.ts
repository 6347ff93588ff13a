// cors: answers CORS preflights at the edge and adds the CORS response headers for allowed
// origins, so the app needs no CORS code.
import { z } from 'zod';
import { definePlugin } from '../chain.js';
import { headerName } from './fields.js';

const origin = z
  .string()
  .max(256)
  .regex(/^(\*|https?:\/\/[a-z0-9.-]+(:[0-9]{1,5})?)$/, 'must be "*" or an origin such as https://shop.example.com');
const method = z.string().regex(/^[A-Z]{1,16}$/, 'must be an upper-case method');

export const corsSchema = z
  .strictObject({
    origins: z.array(origin).min(1).max(100).describe('Allowed origins, or ["*"]'),
    methods: z.array(method).max(16).default(['GET', 'HEAD', 'POST']).describe('Methods a preflight allows'),
    headers: z.array(headerName).max(50).optional().describe('Request headers a preflight allows (absent: those asked for)'),
    exposeHeaders: z.array(headerName).max(50).optional().describe('Response headers scripts may read'),
    credentials: z.boolean().default(false).describe('Allow cookies and Authorization (not with "*")'),
    maxAgeSeconds: z.number().int().min(0).max(86_400).default(600).describe('How long browsers may cache a preflight'),
  })
  .refine((c) => !(c.credentials && c.origins.includes('*')), {
    message: 'credentials cannot be allowed for every origin ("*")',
    path: ['credentials'],
  });

definePlugin({ name: 'cors', schema: corsSchema });
