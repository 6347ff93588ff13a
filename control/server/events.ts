// Control's in-process event bus: every event name with the one payload it carries. Emitters and
// listeners are checked against this map, so a misspelt name or a changed payload fails to compile.
// Events stay inside one control instance; what other instances must hear goes through Redis.
import type { EventEmitter } from 'node:events';
import type { LogStream } from '../runtime/frames.js';
import type { RequestSample } from '../runtime/requests.js';
import type { MetricsSample } from '../runtime/stats.js';
import type { App, Deployment, NotificationKind } from '../store/types.js';

/** One line of a deployment's build and release log (Socket.IO `deployment:log`). */
export interface DeploymentLogLine {
  deploymentId: string;
  app: string;
  line: string;
  at: number;
}

/** One line an app's replica (or the platform on its behalf) wrote while someone follows its logs. */
export interface AppLogLine {
  app: string;
  replica: string;
  line: string;
  at: number;
  stream: LogStream;
}

/** A new sample in one of an app's histories (Docker stats, gateway requests). */
export interface AppSampleEvent<T> {
  app: string;
  sample: T;
}

/** An app fell asleep or woke (scale to zero). */
export interface AppSleepEvent {
  app: string;
  sleeping: boolean;
  at: number;
}

/** A wake that failed: the app's status viewers reload, its people hear of it through `app.notice`. */
export interface AppWakeFailedEvent {
  app: string;
  reason: string;
  at: number;
}

/** Something that happened to an app outside a deploy, for its members (the notifier stores and delivers it). */
export interface AppNotice {
  app: string;
  kind: NotificationKind;
  message: string;
}

export interface ControlEvents {
  /** The app record changed (owner, members, settings): open subscriptions are checked again. */
  'app.updated': [app: App];
  /** The app record is gone: its containers, routes, histories and channels follow. */
  'app.deleted': [app: App];
  'app.log': [line: AppLogLine];
  'app.metrics': [event: AppSampleEvent<MetricsSample>];
  'app.requests': [event: AppSampleEvent<RequestSample>];
  'app.sleep': [event: AppSleepEvent];
  'app.wake-failed': [event: AppWakeFailedEvent];
  'app.notice': [notice: AppNotice];
  'deployment.log': [line: DeploymentLogLine];
  'deployment.status': [deployment: Deployment];
  /** Some of the user's credentials ended (password change, disable, deletion): their sockets are checked now. */
  'user.sessions.ended': [user: { id: string }];
}

export type ControlEventBus = EventEmitter<ControlEvents>;
