// Coordination between several instances of DeployFlow's own services through the shared Redis:
// fenced locks, FIFO ticket queues and a leader lease; LocalTurns is the FIFO within one process.
export { FencedLocks, type Fence, type FencedLockOptions } from './fenced-lock.js';
export { TicketQueues, type Ticket, type TicketOptions } from './tickets.js';
export { LeaderLease, type LeaderCallbacks, type LeaderOptions } from './leader.js';
export { lockKey } from './keys.js';
export { Members } from './members.js';
export { LocalTurns, type LocalTurn } from './local-turns.js';
