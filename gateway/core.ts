// What both engines share for one gateway process: the route index, options, counters, the ACME
// lookup and the holds for sleeping apps. Built once in gateway/index.ts, passed to each listener.
import type { AccessLog } from './observe/access-log.js';
import type { Metrics } from './observe/metrics.js';
import type { GatewayOptions } from './options/options.js';
import type { RouteIndex } from './routing/index-table.js';
import type { WakeHolds } from './waking/hold.js';

export interface GatewayCore {
  index: RouteIndex;
  options: GatewayOptions;
  metrics: Metrics;
  access: AccessLog;
  /** Key authorization for an ACME HTTP-01 token, or null. */
  acmeChallenge(token: string): Promise<string | null>;
  /** Holds requests for sleeping apps while control wakes them (waking/hold.ts). */
  holds: WakeHolds;
  draining: boolean;
  inflight: number;
}
