// Request and response shapes of the apps API; the same objects validate requests and
// describe them in the OpenAPI document.
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseContainerPath, parseGitRef, parseVolumeName } from '../../common/names/validate.js';
import { compilePluginChain } from '../../common/plugins/index.js';
import { DEFAULT_EDGE, type App } from '../store/types.js';

export const AppSettings = z.strictObject({
  replicas: z.number().int().min(0).max(20).describe('Number of containers serving the app'),
  limits: z.strictObject({
    memoryMb: z.number().int().min(16).max(65536),
    cpus: z.number().min(0.05).max(64),
  }),
  healthcheck: z.strictObject({
    path: z
      .string()
      .max(255)
      .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/, 'must be an absolute URL path'),
  }),
  port: z.number().int().min(1).max(65535).describe('Port the app listens on inside its container (PORT)'),
  volumes: z
    .array(
      z.strictObject({
        name: z.string().describe('1-63 lowercase letters, digits, - or _'),
        path: z.string().describe('absolute mount path in the container'),
      }),
    )
    .max(10)
    .describe('Persistent named volumes; they survive redeploys, rollbacks and restarts'),
  deployBranch: z.string().describe('The branch whose pushes and webhooks deploy (default main)'),
  scaleToZero: z
    .strictObject({
      idleSeconds: z
        .number()
        .int()
        .min(0)
        .max(7 * 86_400)
        .describe('Stop the containers after this many seconds without a request; the next request wakes the app (0 = off)'),
    })
    .describe('Scale to zero: the app sleeps when idle and wakes on its next request'),
  autoscale: z
    .strictObject({
      minReplicas: z
        .number()
        .int()
        .min(0)
        .max(20)
        .describe('Fewest replicas (0 only with scaleToZero.idleSeconds above 0: the app then sleeps when idle)'),
      maxReplicas: z.number().int().min(1).max(20).describe('Most replicas, within your replica and memory quotas'),
      target: z.union([
        z.strictObject({ rps: z.number().min(0.1).max(100_000).describe('Requests per second each replica should carry') }),
        z.strictObject({ inflight: z.number().int().min(1).max(10_000).describe('Requests in flight each replica should carry') }),
      ]),
    })
    .nullable()
    .describe("Request-driven autoscaling from the gateways' traffic figures (null = off)"),
  plugins: z
    .array(
      z.strictObject({
        name: z.string().max(64).describe('A built-in plugin or one the operator loaded'),
        config: z.record(z.string(), z.unknown()).default({}).describe("The plugin's settings, validated by its schema"),
      }),
    )
    .max(16)
    .describe('The edge plugin chain the gateways run for this app, in order'),
  balance: z.enum(['round-robin', 'least-connections']).describe('How the gateways spread requests over replicas'),
  httpsRedirect: z.boolean().describe('Answer plain HTTP with a 308 redirect to HTTPS (ACME challenges excepted)'),
});

/**
 * Settings run through the one name validator after the schema: mount paths and the branch
 * reach Docker and git, so they get the same DF_ERR_* refusals as every other outside name.
 */
export function checkedSettings<T extends Partial<z.infer<typeof AppSettings>>>(settings: T, current?: App): T {
  for (const v of settings.volumes ?? []) {
    parseVolumeName(v.name);
    parseContainerPath(v.path);
  }
  const names = (settings.volumes ?? []).map((v) => v.name);
  if (new Set(names).size !== names.length) throw new DeployFlowError('DF_ERR_VALIDATION', 'Volume names must be unique');
  const paths = (settings.volumes ?? []).map((v) => v.path);
  if (new Set(paths).size !== paths.length) throw new DeployFlowError('DF_ERR_VALIDATION', 'Volume paths must be unique');
  if (settings.deployBranch !== undefined) parseGitRef(settings.deployBranch);
  const auto = settings.autoscale;
  if (auto && auto.minReplicas > auto.maxReplicas) {
    throw new DeployFlowError('DF_ERR_VALIDATION', 'autoscale.minReplicas must not exceed autoscale.maxReplicas', {
      field: 'autoscale.minReplicas',
    });
  }
  // minReplicas 0 means "scale to zero when idle": without an idle time it would quietly mean 1.
  // Checked on the settings the app will have, so turning sleep off under it is refused too.
  const minReplicas = auto !== undefined ? auto?.minReplicas : current?.autoscale?.minReplicas;
  const idleSeconds = settings.scaleToZero?.idleSeconds ?? current?.scaleToZero.idleSeconds ?? 0;
  if (minReplicas === 0 && idleSeconds <= 0) {
    const field = auto !== undefined ? 'autoscale.minReplicas' : 'scaleToZero.idleSeconds';
    throw new DeployFlowError(
      'DF_ERR_VALIDATION',
      auto !== undefined
        ? 'autoscale.minReplicas 0 needs scale to zero: set scaleToZero.idleSeconds above 0 too, or use 1'
        : 'scaleToZero.idleSeconds 0 turns scale to zero off, which autoscale.minReplicas 0 needs: set autoscale.minReplicas to 1 too',
      { field },
    );
  }
  if (settings.plugins !== undefined) return { ...settings, plugins: compilePluginChain(settings.plugins, current?.plugins) };
  return settings;
}

export const CreateAppBody = AppSettings.partial().extend({
  name: z.string().describe('DNS label: ^[a-z][a-z0-9-]{0,61}[a-z0-9]$, reserved words refused'),
  team: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('A team id: the team owns the app from the start (a team you belong to as admin or developer; admins: any team)'),
});

export const PatchAppBody = AppSettings.partial();

export const AppView = z.object({
  name: z.string(),
  url: z.string(),
  gitUrls: z.object({ http: z.string(), ssh: z.string() }),
  ownerId: z.string().describe('A user id, or a team id when ownerKind is team'),
  ownerKind: z.enum(['user', 'team']),
  collaboratorIds: z.array(z.string()),
  replicas: z.number(),
  limits: z.object({ memoryMb: z.number(), cpus: z.number() }),
  healthcheck: z.object({ path: z.string() }),
  port: z.number(),
  domains: z.array(z.string()),
  volumes: z.array(z.object({ name: z.string(), path: z.string() })),
  deployBranch: z.string(),
  scaleToZero: z.object({ idleSeconds: z.number() }),
  autoscale: z.object({ minReplicas: z.number(), maxReplicas: z.number(), target: z.record(z.string(), z.number()) }).nullable(),
  plugins: z.array(z.object({ name: z.string(), config: z.record(z.string(), z.unknown()) })),
  balance: z.enum(['round-robin', 'least-connections']),
  httpsRedirect: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const CollaboratorBody = z.strictObject({ email: z.email().max(320) });

export const DEFAULT_SETTINGS: z.infer<typeof AppSettings> = {
  ...DEFAULT_EDGE,
  replicas: 1,
  limits: { memoryMb: 512, cpus: 1 },
  healthcheck: { path: '/' },
  port: 5000,
  volumes: [],
  deployBranch: 'main',
};
