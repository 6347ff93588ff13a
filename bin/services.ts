// The services `deployflow up` starts, in start order. Each folder's index.ts starts one alone.
import type { StartService } from '../common/service.js';
import { startControl } from '../control/index.js';

export const SERVICES: Record<string, StartService> = {
  control: startControl,
};
