import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The trace and span ids of the span active where a line is logged (`traceId`, `spanId`, as OpenTelemetry writes
 * them), so a log line leads to its trace; nothing when no span is active or tracing is off (no exporter set).
 */
function traceFields(): { traceId?: string; spanId?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/**
 * JSON logs, one line per event, with the active trace's ids (see `traceFields`). Credentials are redacted by
 * path, so a log call that is handed a request or an input object still never writes a token or password.
 * `destination`: where lines go (default standard output; tests read them).
 */
export function createLogger(service: string, level = 'info', destination?: DestinationStream): Logger {
  const options = {
    name: service,
    level,
    base: { service },
    mixin: traceFields,
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
  };
  return destination ? pino(options, destination) : pino(options);
}
