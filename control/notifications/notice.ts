// The event other parts of control emit to tell an app's members something (the notifier stores
// and delivers it). Kept apart from notifier.ts so emitters do not depend on the delivery code.
import type { NotificationKind } from '../store/types.js';

export const APP_NOTICE = 'app.notice';
export interface AppNotice {
  app: string;
  kind: NotificationKind;
  message: string;
}
