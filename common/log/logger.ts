// One JSON logger for every service. Credentials are redacted at the logger, so a careless
// `log.info({ req })` can never print a token or a password.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
    level,
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'refreshToken',
        '*.refreshToken',
        'accessToken',
        '*.accessToken',
        'headers.authorization',
        'req.headers.authorization',
        'req.headers.cookie',
        'value',
        '*.value',
      ],
      censor: '[redacted]',
    },
  });
}
