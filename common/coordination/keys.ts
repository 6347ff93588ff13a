// Every Redis key of cross-instance coordination, in one place so they never collide with the
// route table's or the edge's keys. Names are app names or fixed words: validated before they get here.
const PREFIX = 'deployflow:coord';

/** The holder of a fenced lock: its value is the holder's fencing token. */
export const lockKey = (name: string): string => `${PREFIX}:lock:${name}`;
/** The counter fencing tokens are drawn from (never reset: tokens only grow). */
export const fenceCounterKey = (name: string): string => `${PREFIX}:fence:${name}`;
/** A FIFO of tickets (sorted set scored by ticket number) and its counter. */
export const ticketsKey = (name: string): string => `${PREFIX}:tickets:${name}`;
export const ticketCounterKey = (name: string): string => `${PREFIX}:tickets:${name}:next`;
/** One ticket's lease; its value names the holder (a deployment id, a push id). */
export const ticketLeaseKey = (name: string, seq: number): string => `${PREFIX}:tickets:${name}:lease:${seq}`;
/** A leader lease: its value is the leader's instance id. */
export const leaderKey = (role: string): string => `${PREFIX}:leader:${role}`;
/** The live instances of a service (sorted set scored by expiry). */
export const membersKey = (group: string): string => `${PREFIX}:members:${group}`;
