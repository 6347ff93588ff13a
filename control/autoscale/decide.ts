// The autoscaler's decision (pure): how many replicas an app should run for the load the gateways
// report. Up is fast and down is slow, as in Knative's autoscaler:
// - up looks at the short (panic) window only: one busy window is enough to add replicas now,
//   and the count is the larger of what the short and the long window ask for;
// - down looks at the long (stable) window, takes the busiest sample in it (not the average), and
//   only after a cool-down since the last change: load that wobbles keeps the replicas its peaks
//   need instead of flapping between two counts;
// - bounds are [max(1, minReplicas), maxReplicas]: going to 0 is scale to zero's job (idle detector).
import type { Autoscale } from '../store/types.js';
import { footprint, quotaViolation, type Footprint, type QuotaLimits } from '../operations/quota.js';

/** One gateway report window of an app, summed over gateways. */
export interface LoadSample {
  at: number;
  /** Requests per second over the sample's window. */
  rps: number;
  /** Requests in flight at the moment of the sample. */
  inflight: number;
}

export interface AutoscaleTimings {
  /** The long window scale-down decisions look at. */
  windowMs: number;
  /** The short window scale-up decisions look at. */
  panicWindowMs: number;
  /** No scale-down within this long after the last change (up or down). */
  cooldownMs: number;
}

export interface DecisionInput {
  settings: Autoscale;
  /** Replicas the app runs now. */
  current: number;
  /** Recent load samples, any order; older than the long window are ignored. */
  samples: readonly LoadSample[];
  now: number;
  /** When the autoscaler last changed the replica count (null: not since it started). */
  lastChangeAt: number | null;
  timings: AutoscaleTimings;
}

export interface Decision {
  /** Replicas the app should run; equal to `current` for a hold. */
  desired: number;
  direction: 'up' | 'down' | 'hold';
  /** `panic`: the short window asks for at least twice the replicas running. */
  mode: 'stable' | 'panic';
  /** Why, in words: `118 req/s for 10 s, target 40 per replica`. */
  reason: string;
}

export function bounds(settings: Autoscale): { floor: number; ceiling: number } {
  return { floor: Math.max(1, settings.minReplicas), ceiling: Math.max(1, settings.maxReplicas) };
}

const clamp = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, n));

function targetOf(settings: Autoscale): { value: number; unit: 'req/s' | 'in flight'; of: (s: LoadSample) => number } {
  return 'rps' in settings.target
    ? { value: settings.target.rps, unit: 'req/s', of: (s) => s.rps }
    : { value: settings.target.inflight, unit: 'in flight', of: (s) => s.inflight };
}

const fmt = (n: number): string => (n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10));
const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;

export function decide(input: DecisionInput): Decision {
  const { settings, current, now, timings } = input;
  const { floor, ceiling } = bounds(settings);
  const target = targetOf(settings);
  const per = `target ${fmt(target.value)} per replica`;
  const hold = (reason: string, mode: Decision['mode'] = 'stable'): Decision => ({ desired: current, direction: 'hold', mode, reason });
  const to = (desired: number, reason: string, mode: Decision['mode']): Decision =>
    desired === current ? hold(reason, mode) : { desired, direction: desired > current ? 'up' : 'down', mode, reason };

  // Out of bounds (the settings changed, or someone scaled by hand): back inside at once.
  if (current < floor) return to(floor, `below the minimum of ${floor} replica${floor === 1 ? '' : 's'}`, 'stable');
  if (current > ceiling) return to(ceiling, `above the maximum of ${ceiling} replica${ceiling === 1 ? '' : 's'}`, 'stable');

  const stable = input.samples.filter((s) => s.at > now - timings.windowMs && s.at <= now);
  const panic = stable.filter((s) => s.at > now - timings.panicWindowMs);
  // No figures is not the same as no load: a silent gateway must not scale an app down.
  if (panic.length === 0) return hold('no recent traffic figures from the gateways');

  const mean = (xs: readonly LoadSample[]): number => xs.reduce((a, s) => a + target.of(s), 0) / xs.length;
  const need = (load: number): number => Math.ceil(load / target.value - 1e-9);
  const panicLoad = mean(panic);
  const stableLoad = mean(stable);
  const wantPanic = need(panicLoad);
  const mode: Decision['mode'] = wantPanic >= 2 * current ? 'panic' : 'stable';
  if (wantPanic > current) {
    const desired = clamp(Math.max(wantPanic, need(stableLoad)), floor, ceiling);
    const capped = desired < Math.max(wantPanic, need(stableLoad)) ? ` (capped at the maximum of ${ceiling})` : '';
    return to(desired, `${fmt(panicLoad)} ${target.unit} for ${secs(timings.panicWindowMs)}, ${per}${capped}`, mode);
  }

  const peak = Math.max(...stable.map(target.of));
  const wantDown = clamp(need(peak), floor, ceiling);
  if (wantDown >= current) return hold(`${fmt(panicLoad)} ${target.unit}, ${per}`, mode);
  if (input.lastChangeAt !== null && now - input.lastChangeAt < timings.cooldownMs) {
    return hold(`cooling down: ${secs(now - input.lastChangeAt)} since the last change, down waits ${secs(timings.cooldownMs)}`);
  }
  // The long window must be covered by figures, or a short lull after a gap would read as calm.
  const oldest = Math.min(...stable.map((s) => s.at));
  if (now - oldest < timings.windowMs - Math.max(timings.panicWindowMs, 2_000)) {
    return hold(`waiting for ${secs(timings.windowMs)} of figures before scaling down`);
  }
  return to(wantDown, `at most ${fmt(peak)} ${target.unit} for ${secs(timings.windowMs)}, ${per}`, 'stable');
}

/**
 * The most replicas up to `desired` the owner's quota allows for this app (pure): `others` is the
 * owner's other apps, `memoryMb` this app's limit per replica. Returns `current` or less when not
 * even one more replica fits, with the quota's own message.
 */
export function fitQuota(
  desired: number,
  current: number,
  memoryMb: number,
  others: Footprint,
  limits: QuotaLimits,
): { replicas: number; refusal: string | null } {
  if (desired <= current) return { replicas: desired, refusal: null };
  const before = footprint({ replicas: current, limits: { memoryMb } });
  let refusal: string | null = null;
  for (let n = desired; n > current; n--) {
    const message = quotaViolation(others, before, footprint({ replicas: n, limits: { memoryMb } }), limits);
    if (!message) return { replicas: n, refusal };
    refusal ??= message;
  }
  return { replicas: current, refusal };
}
