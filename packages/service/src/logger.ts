import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs, one line per event. Credentials are redacted by path, so a log call that is handed a
 * request or an input object still never writes a token or password.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: {
      paths: [
        'password',
        '*.password',
        '*.*.password',
        'refreshToken',
        '*.refreshToken',
        'accessToken',
        '*.accessToken',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
