// The plugin registry with every built-in definition registered: import this (not chain.ts)
// wherever configs are validated or shown, so the built-ins are known before the first PATCH.
import './builtins/basic-auth.js';
import './builtins/cache.js';
import './builtins/compress.js';
import './builtins/cors.js';
import './builtins/headers.js';
import './builtins/ip-filter.js';
import './builtins/rate-limit.js';
import './builtins/redirect.js';

export * from './chain.js';
