// What a failed command tells the shell: one line `deployflow: DF_ERR_…: message` on stderr and an
// exit code scripts can rely on.
export const EXIT = { ok: 0, failed: 1, usage: 2, unauthenticated: 3, notFound: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string): CliError => new CliError('DF_ERR_VALIDATION', message, EXIT.usage);

/** The exit code of an API error: by HTTP status, so a new `DF_ERR_*` code still maps sensibly. */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 401) return EXIT.unauthenticated;
  if (status === 404) return EXIT.notFound;
  return EXIT.failed;
}
