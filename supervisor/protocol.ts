// The one message a supervised process sends its supervisor (over the IPC channel of the spawn):
// "ready", with what it listens on. Ports asked as 0 are known only then; the supervisor pins
// them for restarts, so a restarted process comes back where browsers and the gateway expect it.
export interface StartedService {
  name: string;
  addresses: string[];
}

export interface ReadyMessage {
  type: 'deployflow:ready';
  services: StartedService[];
}

/** Set in the environment of every process the supervisor starts. */
export const SUPERVISED_ENV = 'DEPLOYFLOW_SUPERVISED';

export function isSupervised(): boolean {
  return process.env[SUPERVISED_ENV] === '1' && typeof process.send === 'function';
}

export function reportReady(services: StartedService[]): void {
  const message: ReadyMessage = { type: 'deployflow:ready', services };
  process.send?.(message);
}

export function isReadyMessage(value: unknown): value is ReadyMessage {
  const m = value as Partial<ReadyMessage> | null;
  return typeof m === 'object' && m !== null && m.type === 'deployflow:ready' && Array.isArray(m.services);
}

/** The port at the end of an address such as `http://0.0.0.0:8080` or `udp://[::]:53`. */
export function portOf(address: string): number | null {
  const m = /:([0-9]{1,5})\/?$/.exec(address);
  return m ? Number(m[1]) : null;
}
