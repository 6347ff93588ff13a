// The built-in plugins' runtimes by name (their definitions — schemas, compile, view — live in
// common/plugins/builtins/, shared with control).
import type { GatewayPlugin } from '../types.js';
import { basicAuth } from './basic-auth.js';
import { cache } from './cache.js';
import { compress } from './compress.js';
import { cors } from './cors.js';
import { headers } from './headers.js';
import { ipFilter } from './ip-filter.js';
import { rateLimit } from './rate-limit.js';
import { redirect } from './redirect.js';

export const BUILTIN_PLUGINS: readonly GatewayPlugin[] = [basicAuth, cache, compress, cors, headers, ipFilter, rateLimit, redirect];
