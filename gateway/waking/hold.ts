// Holding requests for a sleeping app while control wakes it — one module both engines (and
// their WebSocket upgrades) call. Per host, the first held request opens a wake episode that
// publishes one wake for this gateway and follows the route until it wakes; every request held
// in the episode is then released once, with the awake route. Bounded both ways: a queue per app
// (`GATEWAY_WAKE_QUEUE`; beyond it 503 at once) and a wait per request (`GATEWAY_WAKE_TIMEOUT_MS`;
// then 503). When control announces that the wake failed, every held request gets 503 at once,
// and new ones too until the announced Retry-After has passed — so a flood to an app whose wake
// keeps failing neither waits out its timeouts nor asks for wakes in a loop.
import { STATUS_CODES } from 'node:http';
import { GATEWAY_ERRORS } from '../../common/errors/catalogue.js';
import type { WakeFailure } from '../../common/routes/index.js';
import type { CompiledRoute, RouteIndex } from '../routing/index-table.js';
import { htmlPage } from '../shared/pages.js';

export type WakeRefusalCode = 'DF_ERR_APP_WAKING' | 'DF_ERR_WAKE_FAILED';

export type HoldResult = { route: CompiledRoute; refusal?: undefined } | { route?: undefined; refusal: WakeRefusal };

export interface WakeRefusal {
  code: WakeRefusalCode;
  retryAfterSeconds: number;
}

export interface WakeHoldOptions {
  /** How long one request is held (ms). */
  timeoutMs: number;
  /** Requests held per app at most. */
  queueLimit: number;
  /** Asks control to wake the app (once per episode). */
  publishWake(route: CompiledRoute): void;
}

type Release = (r: HoldResult) => void;

interface Episode {
  app: string;
  waiters: Set<Release>;
}

export class WakeHolds {
  private readonly episodes = new Map<string, Episode>();
  private readonly heldPerApp = new Map<string, number>();
  private readonly failedUntil = new Map<string, number>();

  constructor(
    private readonly index: RouteIndex,
    private readonly o: WakeHoldOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Requests currently held for `app` (for tests and metrics). */
  held(app: string): number {
    return this.heldPerApp.get(app) ?? 0;
  }

  /** Holds a request for `route` (sleeping) until it wakes, fails to, or the wait runs out. */
  hold(route: CompiledRoute): Promise<HoldResult> {
    const current = this.index.get(route.host);
    if (current && !current.route.sleeping) return Promise.resolve({ route: current });
    const failedUntil = this.failedUntil.get(route.app) ?? 0;
    if (failedUntil > this.now()) return Promise.resolve(refuse('DF_ERR_WAKE_FAILED', Math.ceil((failedUntil - this.now()) / 1000)));
    if (this.held(route.app) >= this.o.queueLimit) return Promise.resolve(refuse('DF_ERR_APP_WAKING', retryAfter(this.o.timeoutMs)));
    const episode = this.episodes.get(route.host) ?? this.open(route);
    this.heldPerApp.set(route.app, this.held(route.app) + 1);
    return new Promise<HoldResult>((resolve) => {
      const release: Release = (r) => {
        clearTimeout(timer);
        if (!episode.waiters.delete(release)) return;
        const left = this.held(route.app) - 1;
        if (left > 0) this.heldPerApp.set(route.app, left);
        else this.heldPerApp.delete(route.app);
        if (episode.waiters.size === 0 && this.episodes.get(route.host) === episode) this.episodes.delete(route.host);
        resolve(r);
      };
      const timer = setTimeout(() => release(refuse('DF_ERR_APP_WAKING', retryAfter(this.o.timeoutMs))), this.o.timeoutMs);
      episode.waiters.add(release);
    });
  }

  /** Control says the app's wake failed: answer everything held for it, refuse new requests for a while. */
  failed(f: WakeFailure): void {
    this.failedUntil.set(f.app, this.now() + f.retryAfterSeconds * 1000);
    for (const [host, episode] of this.episodes) {
      if (episode.app !== f.app) continue;
      this.episodes.delete(host);
      for (const release of [...episode.waiters]) release(refuse('DF_ERR_WAKE_FAILED', f.retryAfterSeconds));
    }
  }

  private open(route: CompiledRoute): Episode {
    const episode: Episode = { app: route.app, waiters: new Set() };
    this.episodes.set(route.host, episode);
    // A route that woke (or changed) ends the failure back-off early.
    this.failedUntil.delete(route.app);
    this.o.publishWake(route);
    void this.follow(route.host, episode);
    return episode;
  }

  /** Follows the host's route changes until it wakes (release all) or the episode ends. */
  private async follow(host: string, episode: Episode): Promise<void> {
    while (this.episodes.get(host) === episode) {
      const next = await this.index.next(host, this.o.timeoutMs);
      if (this.episodes.get(host) !== episode) return;
      if (next && !next.route.sleeping) {
        this.episodes.delete(host);
        for (const release of [...episode.waiters]) release({ route: next });
        return;
      }
      if (!next && !this.index.get(host)) {
        // The app was deleted while asleep.
        this.episodes.delete(host);
        for (const release of [...episode.waiters]) release(refuse('DF_ERR_APP_WAKING', 1));
        return;
      }
    }
  }
}

function refuse(code: WakeRefusalCode, retryAfterSeconds: number): HoldResult {
  return { refusal: { code, retryAfterSeconds: Math.max(1, retryAfterSeconds) } };
}

function retryAfter(timeoutMs: number): number {
  return Math.min(30, Math.max(1, Math.ceil(timeoutMs / 1000)));
}

/** The 503 body for a refusal: a tiny HTML page for browsers, JSON for API clients. */
export function wakeRefusalBody(r: WakeRefusal, html: boolean): Buffer {
  const message = GATEWAY_ERRORS[r.code].message;
  return Buffer.from(html ? htmlPage(503, r.code, message) : JSON.stringify({ error: { code: r.code, message } }));
}

/** Header fields of a refusal (node:http engine), besides content-length. */
export function wakeRefusalHeaders(r: WakeRefusal, html: boolean, requestId: string): Record<string, string> {
  return {
    'content-type': html ? 'text/html; charset=utf-8' : 'application/json',
    'cache-control': 'no-store',
    'retry-after': String(r.retryAfterSeconds),
    'x-request-id': requestId,
  };
}

/** A whole refusal response as bytes (fast engine and raw upgrade sockets). */
export function wakeRefusalResponse(r: WakeRefusal, html: boolean, isHead: boolean, requestId: string, close: boolean): Buffer {
  const body = wakeRefusalBody(r, html);
  let head = `HTTP/1.1 503 ${STATUS_CODES[503]}\r\n`;
  for (const [k, v] of Object.entries(wakeRefusalHeaders(r, html, requestId))) head += `${k}: ${v}\r\n`;
  head += `content-length: ${body.length}\r\ndate: ${new Date().toUTCString()}\r\n${close ? 'connection: close\r\n' : ''}\r\n`;
  return isHead ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** A message on WAKE_FAILED_CHANNEL, checked (anything on Redis is input), or null. */
export function parseWakeFailure(message: string): WakeFailure | null {
  try {
    const v = JSON.parse(message) as Partial<WakeFailure>;
    if (typeof v.app !== 'string' || !/^[a-z][a-z0-9-]{0,62}$/.test(v.app)) return null;
    const seconds = typeof v.retryAfterSeconds === 'number' && Number.isFinite(v.retryAfterSeconds) ? Math.round(v.retryAfterSeconds) : 30;
    return {
      app: v.app,
      retryAfterSeconds: Math.min(3600, Math.max(1, seconds)),
      reason: typeof v.reason === 'string' ? v.reason.slice(0, 500) : '',
    };
  } catch {
    return null;
  }
}
