// Choosing a replica: smooth weighted round-robin (nginx's algorithm, so weights spread evenly
// rather than in bursts) or least-connections, always skipping replicas marked down. Pure over
// the CompiledRoute state so it is unit-testable without sockets.
import type { Balance } from '../../common/routes/index.js';
import type { Backend } from './backends.js';

export interface Member {
  backend: Backend;
  weight: number;
  current: number;
}

export interface Balanced {
  members: Member[];
  balance: Balance;
}

/** The next replica to try, excluding `tried`; null when none is available. */
export function pick(route: Balanced, now: number, tried?: Backend): Backend | null {
  const members = route.members;
  if (members.length === 1) {
    const only = members[0]!.backend;
    return only.available(now) && only !== tried ? only : null;
  }
  if (route.balance === 'least-connections') {
    let best: Member | null = null;
    for (const m of members) {
      if (m.backend === tried || !m.backend.available(now)) continue;
      // Normalised by weight so a weight-2 replica takes twice the concurrent load.
      if (!best || m.backend.inflight * best.weight < best.backend.inflight * m.weight) best = m;
    }
    return best?.backend ?? null;
  }
  let total = 0;
  let best: Member | null = null;
  for (const m of members) {
    if (m.backend === tried || !m.backend.available(now)) continue;
    m.current += m.weight;
    total += m.weight;
    if (!best || m.current > best.current) best = m;
  }
  if (!best) return null;
  best.current -= total;
  return best.backend;
}
