// Request and response shapes of the apps API; the same objects validate requests and
// describe them in the OpenAPI document.
import { z } from 'zod';

export const AppSettings = z.strictObject({
  replicas: z.number().int().min(0).max(20).describe('Number of containers serving the app'),
  limits: z.strictObject({
    memoryMb: z.number().int().min(16).max(65536),
    cpus: z.number().min(0.05).max(64),
  }),
  healthcheck: z.strictObject({
    path: z.string().max(255).regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/, 'must be an absolute URL path'),
  }),
  port: z.number().int().min(1).max(65535).describe('Port the app listens on inside its container (PORT)'),
});

export const CreateAppBody = AppSettings.partial().extend({
  name: z.string().describe('DNS label: ^[a-z][a-z0-9-]{0,61}[a-z0-9]$, reserved words refused'),
});

export const PatchAppBody = AppSettings.partial();

export const AppView = z.object({
  name: z.string(),
  url: z.string(),
  gitUrls: z.object({ http: z.string(), ssh: z.string() }),
  ownerId: z.string(),
  collaboratorIds: z.array(z.string()),
  replicas: z.number(),
  limits: z.object({ memoryMb: z.number(), cpus: z.number() }),
  healthcheck: z.object({ path: z.string() }),
  port: z.number(),
  domains: z.array(z.string()),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const CollaboratorBody = z.strictObject({ email: z.email().max(320) });

export const DEFAULT_SETTINGS: z.infer<typeof AppSettings> = {
  replicas: 1,
  limits: { memoryMb: 512, cpus: 1 },
  healthcheck: { path: '/' },
  port: 5000,
};
