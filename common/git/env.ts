// The environment of every git child process the platform starts: an allow-list, never a copy
// of ours. process.env holds control's secrets (JWT and encryption keys, the OAuth client
// secret, the database URL) and, on a developer's machine, GIT_DIR and friends; a git child
// needs none of that, and a hook or config it runs could read or leak it.

/** The only variables passed on from our own environment. */
const INHERITED = ['PATH', 'HOME', 'LANG'] as const;

/** PATH, HOME and LANG from our environment (when set), then `extra` on top. */
export function gitChildEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * For git that only reads the platform's own repositories: no system or user config (an alias,
 * hook path or `core.fsmonitor` there would run for every build), no prompts, C messages.
 */
export const ISOLATED_GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};
