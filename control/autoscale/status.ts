// The `autoscale` field of GET /apps/:name/status: the settings, what the autoscaler decided last
// (the replica count it aims at and why), the quota refusal standing now, and the last decisions.
import { z } from 'zod';
import type { ControlDeps } from '../server/deps.js';
import type { App } from '../store/types.js';
import { readRecord } from './history.js';

export const AutoscaleStatusView = z
  .object({
    minReplicas: z.number(),
    maxReplicas: z.number(),
    target: z.object({ rps: z.number().optional(), inflight: z.number().optional() }),
    /** Replicas the app runs now (its setting, which the autoscaler moves). */
    replicas: z.number(),
    latest: z
      .object({
        at: z.number(),
        desired: z.number(),
        direction: z.enum(['up', 'down', 'hold']),
        mode: z.enum(['stable', 'panic']),
        reason: z.string(),
      })
      .nullable()
      .describe("The autoscaler's latest look (null until it ran, or without the gateways' figures)"),
    refusal: z.object({ at: z.number(), message: z.string() }).nullable().describe('The quota refusal standing now'),
    decisions: z
      .array(
        z.object({
          at: z.number(),
          kind: z.enum(['up', 'down', 'refused', 'failed']),
          from: z.number(),
          to: z.number(),
          message: z.string(),
        }),
      )
      .describe('The last decisions that changed or tried to change the replica count, newest first'),
  })
  .nullable()
  .describe('Request-driven autoscaling (null: off)');

export type AutoscaleStatus = z.infer<typeof AutoscaleStatusView>;

export async function autoscaleStatus(deps: ControlDeps, app: App): Promise<AutoscaleStatus> {
  if (!app.autoscale) return null;
  const record = await readRecord(deps.store, app.name);
  const latest = deps.autoscaler?.latestFor(app.name) ?? null;
  return {
    minReplicas: app.autoscale.minReplicas,
    maxReplicas: app.autoscale.maxReplicas,
    target: app.autoscale.target,
    replicas: app.replicas,
    latest: latest
      ? { at: latest.at, desired: latest.desired, direction: latest.direction, mode: latest.mode, reason: latest.reason }
      : null,
    refusal: record.refusal,
    decisions: record.events,
  };
}
