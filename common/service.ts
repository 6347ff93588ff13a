// What every service folder's index.ts exports: a start function taking the validated config
// and its dependencies, returning a handle that stops it. `bin/deployflow up` starts them all in
// one process; `bin/deployflow <name>` starts one.
import type { Config } from './config/config.js';
import type { Logger } from './log/logger.js';

export interface RunningService {
  readonly name: string;
  /** Human-readable addresses the service listens on, printed at start. */
  readonly addresses: string[];
  stop(): Promise<void>;
}

export type StartService = (config: Config, log: Logger) => Promise<RunningService>;
