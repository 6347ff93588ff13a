// When a supervised process dies: restart it after a delay that doubles with each crash that came
// soon after its start (a crash loop), and give up after a few of those in a row — a process that
// cannot stay up for a few seconds will not be healed by restarting it faster.
export interface RestartPolicy {
  /** A process that ran less than this long before it died counts as a fast crash. */
  fastCrashMs: number;
  /** Fast crashes in a row after which the supervisor gives up on the process. */
  maxFastCrashes: number;
  /** Delay before the first restart; doubled for each further fast crash, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { fastCrashMs: 10_000, maxFastCrashes: 5, baseDelayMs: 250, maxDelayMs: 8_000 };

export type RestartDecision = { action: 'restart'; delayMs: number; fastCrashes: number } | { action: 'give-up'; fastCrashes: number };

/** `ranMs`: how long the process that just died ran; `fastCrashes`: fast crashes in a row before it. */
export function decideRestart(policy: RestartPolicy, ranMs: number, fastCrashes: number): RestartDecision {
  if (ranMs >= policy.fastCrashMs) return { action: 'restart', delayMs: policy.baseDelayMs, fastCrashes: 0 };
  const inARow = fastCrashes + 1;
  if (inARow >= policy.maxFastCrashes) return { action: 'give-up', fastCrashes: inARow };
  return { action: 'restart', delayMs: Math.min(policy.baseDelayMs * 2 ** (inARow - 1), policy.maxDelayMs), fastCrashes: inARow };
}
