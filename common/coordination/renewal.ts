// Keeps a lease alive: renews every third of its time to live, so one missed renewal (a slow
// Redis round trip, a busy event loop) does not lose it. `renew` resolving to false means the
// lease is gone (it expired and maybe belongs to someone else now): `onLost` is told once.
export interface Renewal {
  stop(): void;
}

export function keepRenewed(ttlMs: number, renew: () => Promise<boolean>, onLost: () => void): Renewal {
  let stopped = false;
  let lost = false;
  const tick = (): void => {
    renew().then(
      (held) => {
        if (!held && !stopped && !lost) {
          lost = true;
          onLost();
        }
      },
      () => undefined,
    ); // Redis away: try again at the next tick; the lease may still stand.
  };
  const timer = setInterval(tick, Math.max(50, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
