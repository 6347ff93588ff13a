// `deployflow doctor`: prints one line per check and exits non-zero when any check fails.
import type { Config } from '../common/config/config.js';
import { formatResult, runChecks, type Probes } from './checks.js';
import { realProbes } from './probes.js';

export async function runDoctor(
  config: Config,
  probes: Probes = realProbes(config),
  say: (line: string) => void = console.log,
): Promise<number> {
  const results = await runChecks(config, probes);
  for (const r of results) say(formatResult(r));
  const failed = results.filter((r) => r.status === 'FAIL').length;
  say(failed === 0 ? 'deployflow doctor: everything needed works' : `deployflow doctor: ${failed} check(s) failed`);
  return failed === 0 ? 0 : 1;
}
