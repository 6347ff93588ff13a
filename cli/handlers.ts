// What a command group's module (commands/*.ts) exports: one function per command of the group.
import type { Context } from './context.js';

export type Handlers = Record<string, (ctx: Context) => Promise<void>>;
