// Socket.IO on control's HTTP server (the README's "Realtime" section). The handshake must carry a JWT or
// API token (`auth: {token}`), never a URL parameter; every `subscribe` is authorized against the
// resource like the REST API; a deployment subscriber that gives `offset` first gets the lines
// it missed; a socket ends when its credential does (session.ts). Access is asked again after
// the join too: at each periodic credential lookup every joined room is re-authorized (one app
// lookup per app), an `app.updated` app is checked against its watchers, and a deleted app's
// rooms are left by every socket on every instance at once, so a later app of the same name
// streams to nobody who watched the old one. A room left that way is reported to the client
// (`subscription:end`, the subscribe payload and the refusal's code and message). With Redis, the
// adapter lets several control instances share rooms.
import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { ControlDeps } from '../server/deps.js';
import type { App, User } from '../store/types.js';
import { ackError, assertMayWatch, authorizeSubscription } from './authorize.js';
import { teamRoleOn } from '../apps/access.js';
import { bridgeEvents } from './bridge.js';
import { Followers, type FollowAppLogs } from './followers.js';
import { LogRing, storedLines } from './ring.js';
import { parseSubscription, roomOf, userRoom, type Subscription } from './rooms.js';
import { credentialExpiry, endSession, SESSION_END, guardSession, revokedError, type GuardedSession } from './session.js';

export interface RealtimeOptions {
  /** Starts reading an app's container logs into `app.log` events; returns the stop function. */
  followAppLogs?: FollowAppLogs;
  /**
   * How often each socket's credential is looked up again (API tokens can be revoked any time),
   * and its rooms re-authorized (a collaborator can be removed any time); one minute by default.
   */
  recheckMs?: number;
}

export interface Realtime {
  io: Server;
  followers: Followers;
  /** Sends a `notification` event to every socket of that user, on any instance. */
  notifyUser(userId: string, payload: unknown): void;
  close(): Promise<void>;
}

/** A room the socket joined, with the app it belongs to (a deployment's app never changes). */
interface Joined {
  app: string;
  sub: Subscription;
}
interface SocketData extends GuardedSession {
  user: User;
  follows: Set<string>;
  joined: Map<string, Joined>;
}
type Ack = (answer: unknown) => void;

/** Sent when the server takes a socket out of a room it had subscribed to (access ended). */
export const SUBSCRIPTION_END = 'subscription:end';
/** Between control instances (Redis adapter): an app was deleted on the sending instance. */
const APP_GONE = 'realtime:app-deleted';

function subscribePayload(sub: Subscription): Record<string, string> {
  return sub.kind === 'app' ? { app: sub.app, stream: sub.stream } : { deploymentId: sub.deploymentId };
}

export function attachRealtime(server: http.Server, deps: ControlDeps, options: RealtimeOptions = {}): Realtime {
  const io = new Server(server, {
    serveClient: false,
    // Subscribe payloads are tiny; anything big is not ours.
    maxHttpBufferSize: 16 * 1024,
  });
  const cleanups: (() => void)[] = [];
  const redisClients: Redis[] = [];
  if (deps.redis) {
    // Own connections: a subscriber connection cannot run other commands, and these queue
    // while Redis is away (a refused publish would otherwise be an unhandled rejection).
    const pub = deps.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
    const sub = deps.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
    for (const c of [pub, sub]) c.on('error', (err: Error) => deps.log.warn({ err: err.message }, 'realtime redis unavailable'));
    io.adapter(createAdapter(pub, sub));
    redisClients.push(pub, sub);
  }
  const ring = new LogRing();
  const followers = new Followers(options.followAppLogs);
  cleanups.push(bridgeEvents(io, deps, ring), () => followers.stopAll());

  io.use((socket, next) => {
    const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const refuse = (err: DeployFlowError): void => next(Object.assign(new Error(err.message), { data: { code: err.code } }));
    if (typeof token !== 'string' || token === '') return refuse(new DeployFlowError('DF_ERR_UNAUTHENTICATED'));
    deps.tokens.userForCredential(token).then(
      (user) => {
        if (!user) return refuse(new DeployFlowError('DF_ERR_INVALID_TOKEN'));
        socket.data = { user, token, expiresAt: credentialExpiry(token), follows: new Set(), joined: new Map() } satisfies SocketData;
        next();
      },
      () => refuse(new DeployFlowError('DF_ERR_UNAVAILABLE')),
    );
  });

  io.on('connection', (socket) => {
    const data = socket.data as SocketData;
    void socket.join(userRoom(data.user.id));
    const unguard = guardSession(socket, data, deps, options.recheckMs, () => recheckRooms(socket));
    socket.on('subscribe', (payload: unknown, ack?: Ack) => {
      subscribe(socket, payload).then(
        (answer) => ack?.(answer),
        (err: unknown) => ack?.(ackError(err)),
      );
    });
    socket.on('unsubscribe', (payload: unknown, ack?: Ack) => {
      try {
        const sub = parseSubscription(payload);
        void socket.leave(roomOf(sub));
        data.joined.delete(roomOf(sub));
        if (sub.kind === 'app' && sub.stream === 'logs' && data.follows.delete(sub.app)) followers.release(sub.app);
        ack?.({ ok: true });
      } catch (err) {
        ack?.(ackError(err));
      }
    });
    socket.on('disconnect', () => {
      unguard();
      for (const app of data.follows) followers.release(app);
      data.follows.clear();
      data.joined.clear();
    });
  });

  /** Takes the socket out of `room` (and its log follower), telling the client why. */
  function drop(socket: Socket, room: string, err: unknown): void {
    const data = socket.data as SocketData;
    const joined = data.joined.get(room);
    if (!joined) return;
    data.joined.delete(room);
    void socket.leave(room);
    const { sub } = joined;
    if (sub.kind === 'app' && sub.stream === 'logs' && data.follows.delete(sub.app)) followers.release(sub.app);
    socket.emit(SUBSCRIPTION_END, { ...subscribePayload(sub), ...ackError(err).error });
  }

  /** Asks again, for each room the socket joined, the subscribe question; one app lookup per app. */
  async function recheckRooms(socket: Socket): Promise<void> {
    const data = socket.data as SocketData;
    const entries = [...data.joined];
    const names = [...new Set(entries.map(([, j]) => j.app))];
    const found = await Promise.allSettled(names.map((name) => deps.store.apps.get(name)));
    const apps = new Map<string, App | null>();
    // A failed lookup is no answer: that app's rooms are kept until the next round.
    names.forEach((name, i) => {
      const r = found[i]!;
      if (r.status === 'fulfilled') apps.set(name, r.value);
    });
    for (const [room, joined] of entries) {
      // Left, or subscribed again (authorized afresh) while the lookups ran.
      if (data.joined.get(room) !== joined || !apps.has(joined.app)) continue;
      await checkRoom(socket, room, joined, apps.get(joined.app) ?? null);
    }
  }

  async function checkRoom(socket: Socket, room: string, joined: Joined, app: App | null): Promise<void> {
    const { user } = socket.data as SocketData;
    try {
      // A team's app: the membership is looked up now (a failed lookup keeps the room until the next round).
      const teamRole = await teamRoleOn(deps.store, user, app).catch(() => undefined);
      if (teamRole === undefined) return;
      assertMayWatch(user, app, joined.sub, teamRole);
    } catch (err) {
      drop(socket, room, err);
    }
  }

  /** This instance's sockets watching `name`, with the rooms of it each has joined. */
  function watchersOf(name: string): [Socket, [string, Joined][]][] {
    const out: [Socket, [string, Joined][]][] = [];
    for (const socket of io.of('/').sockets.values()) {
      const rooms = [...(socket.data as SocketData).joined].filter(([, j]) => j.app === name);
      if (rooms.length > 0) out.push([socket, rooms]);
    }
    return out;
  }

  const appDeletedHere = (name: string): void => {
    for (const [socket, rooms] of watchersOf(name)) for (const [room, joined] of rooms) void checkRoom(socket, room, joined, null);
  };
  const onAppDeleted = (app: { name: string }): void => {
    appDeletedHere(app.name);
    // The deleting instance is the only one to get the event; the others are told through Redis
    // (without Redis there are no others, and the in-memory adapter would only warn).
    if (deps.redis) io.serverSideEmit(APP_GONE, app.name);
  };
  const onAppUpdated = (app: App): void => {
    // The event carries the app as stored: no lookup.
    for (const [socket, rooms] of watchersOf(app.name)) for (const [room, joined] of rooms) void checkRoom(socket, room, joined, app);
  };
  io.on(APP_GONE, (name: unknown) => {
    if (typeof name === 'string') appDeletedHere(name);
  });
  // A password change or a disable ended some of the user's credentials: each of their sockets
  // (on any instance, through the adapter) is checked now rather than at its next recheck.
  const onSessionsEnded = (user: { id: string }): void => {
    void io
      .in(userRoom(user.id))
      .fetchSockets()
      .then((sockets) =>
        Promise.all(
          sockets.map(async (s) => {
            const token = (s.data as SocketData).token;
            if (await deps.tokens.userForCredential(token).catch(() => 'unknown')) return;
            s.emit(SESSION_END, { code: 'DF_ERR_INVALID_TOKEN', message: revokedError().message });
            s.disconnect(true);
          }),
        ),
      )
      .catch((err: unknown) => deps.log.warn({ err }, 'ending the sockets of a user failed'));
  };
  deps.events.on('app.deleted', onAppDeleted);
  deps.events.on('app.updated', onAppUpdated);
  deps.events.on('user.sessions.ended', onSessionsEnded);
  cleanups.push(() => {
    deps.events.off('app.deleted', onAppDeleted);
    deps.events.off('app.updated', onAppUpdated);
    deps.events.off('user.sessions.ended', onSessionsEnded);
  });

  async function subscribe(socket: Socket, payload: unknown): Promise<unknown> {
    const data = socket.data as SocketData;
    const sub: Subscription = parseSubscription(payload);
    // The credential is checked again: the access token may have expired since the handshake,
    // and the user's role may have changed.
    const user = await deps.tokens.userForCredential(data.token);
    if (!user) {
      // The refusal is acknowledged first; then the socket goes, with every room it had joined.
      setImmediate(() => endSession(socket, revokedError()));
      throw new DeployFlowError('DF_ERR_INVALID_TOKEN');
    }
    data.user = user;
    const { app, deployment } = await authorizeSubscription(deps, user, sub);
    await socket.join(roomOf(sub));
    data.joined.set(roomOf(sub), { app, sub });
    if (sub.kind === 'app') {
      if (sub.stream === 'logs' && !data.follows.has(sub.app)) {
        data.follows.add(sub.app);
        followers.acquire(sub.app);
      }
      return { ok: true };
    }
    // Joined first, then replayed: a line written in between arrives twice at worst, and the
    // client places lines by seq, so nothing is lost and nothing shows twice.
    if (sub.offset === null || !deployment) return { ok: true, status: deployment?.status };
    const missed =
      ring.since(deployment.id, sub.offset) ??
      storedLines(deployment.id, deployment.app, await deps.store.deployments.getLog(deployment.id), sub.offset);
    for (const line of missed) socket.emit('deployment:log', line);
    return { ok: true, status: deployment.status, replayed: missed.length };
  }

  return {
    io,
    followers,
    notifyUser(userId, payload) {
      io.to(userRoom(userId)).emit('notification', payload);
    },
    async close() {
      for (const fn of cleanups.splice(0)) fn();
      // Local sockets only: telling other instances would publish on a Redis we are leaving.
      io.local.disconnectSockets(true);
      // Not io.close(): it would also close the HTTP server, which its owner does.
      io.engine.close();
      await Promise.resolve(io.of('/').adapter.close()).catch(() => undefined);
      for (const c of redisClients) await c.quit().catch(() => c.disconnect());
    },
  };
}
