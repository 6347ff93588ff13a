// React hooks over the Socket.IO connection. Every hook subscribes again after a reconnect;
// the deployment log asks for the lines it is missing (offset), and places lines by their
// number, so a replayed line and a live one never show twice. Re-renders are batched per
// animation frame: a build printing thousands of lines costs a few renders, not thousands.
import { useEffect, useRef, useState } from 'react';
import { getSocket, onSocketNotice, socketNotice, subscribe, unsubscribe, type Ack } from './realtime';

export interface LogLine {
  deploymentId: string;
  app: string;
  line: string;
  at: number;
  seq: number;
}

function useFrameBatch(): [number, () => void] {
  const [version, setVersion] = useState(0);
  const scheduled = useRef(false);
  const bump = useRef(() => {
    if (scheduled.current) return;
    scheduled.current = true;
    requestAnimationFrame(() => {
      scheduled.current = false;
      setVersion((v) => v + 1);
    });
  });
  return [version, bump.current];
}

/** Lines of a deployment's log, live, with missed lines replayed after a reconnect. */
export function useDeploymentLog(deploymentId: string | null): { lines: string[]; version: number; error: string | null } {
  const lines = useRef<string[]>([]);
  const [version, bump] = useFrameBatch();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    lines.current = [];
    setError(null);
    bump();
    if (!deploymentId) return undefined;
    const socket = getSocket();
    const onLog = (l: LogLine): void => {
      if (l.deploymentId !== deploymentId) return;
      lines.current[l.seq] = l.line;
      bump();
    };
    const firstMissing = (): number => {
      let i = 0;
      while (i < lines.current.length && lines.current[i] !== undefined) i += 1;
      return i;
    };
    const join = (): void => {
      void subscribe({ deploymentId, offset: firstMissing() }).then(
        (ack: Ack) => {
          if (!ack.ok) setError(ack.error?.message ?? 'refused');
        },
        () => setError('The server did not answer the subscription'),
      );
    };
    socket.on('deployment:log', onLog);
    socket.on('connect', join);
    if (socket.connected) join();
    return () => {
      socket.off('deployment:log', onLog);
      socket.off('connect', join);
      unsubscribe({ deploymentId });
    };
  }, [deploymentId, bump]);
  return { lines: lines.current, version, error };
}

/** Calls `onEvent` for every event of an app stream while mounted; returns the refusal, if any. */
export function useAppStream<T>(
  app: string,
  stream: 'logs' | 'metrics' | 'status',
  event: string,
  onEvent: (payload: T) => void,
): string | null {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const socket = getSocket();
    const on = (payload: T & { app?: string }): void => {
      if (payload.app === undefined || payload.app === app) handler.current(payload);
    };
    const join = (): void => {
      void subscribe({ app, stream }).then(
        (ack) => setError(ack.ok ? null : (ack.error?.message ?? 'refused')),
        () => setError('no answer'),
      );
    };
    socket.on(event, on);
    socket.on('connect', join);
    if (socket.connected) join();
    return () => {
      socket.off(event, on);
      socket.off('connect', join);
      unsubscribe({ app, stream });
    };
  }, [app, stream, event]);
  return error;
}

/** Calls `onEvent` for a user-level event (notifications) while mounted. */
export function useSocketEvent<T>(event: string, onEvent: (payload: T) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const socket = getSocket();
    const on = (p: T): void => handler.current(p);
    socket.on(event, on);
    return () => {
      socket.off(event, on);
    };
  }, [event]);
}

/** Why the server ended the live connection (expired or revoked credential), until it is back. */
export function useSocketNotice(): string | null {
  const [notice, setNotice] = useState<string | null>(socketNotice());
  useEffect(() => onSocketNotice(setNotice), []);
  return notice;
}
