import type { IncomingHttpHeaders } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  /** Sends what is buffered and stops; idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing for a service when an exporter is configured (the standard
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); otherwise it does nothing and every
 * span below is a no-op, so tracing costs nothing unless it is asked for. Spans go to the collector over OTLP/HTTP,
 * batched (`OTEL_BSP_SCHEDULE_DELAY` and the other standard variables apply).
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  if (!env['OTEL_EXPORTER_OTLP_ENDPOINT'] && !env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
    return { shutdown: async () => undefined };
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Registers the provider, the W3C trace-context propagator and an async-hooks context manager globally:
  // Apollo's own spans (plan, fetch) then join ours.
  provider.register();
  let stopping: Promise<void> | undefined;
  return {
    shutdown() {
      stopping ??= provider.shutdown();
      return stopping;
    },
  };
}

const tracer = () => trace.getTracer('curbside');

/** The trace context a caller sent (`traceparent`), to continue its trace. */
export function contextFromHeaders(headers: IncomingHttpHeaders): Context {
  return propagation.extract(context.active(), headers);
}

/** Adds the current trace context to outgoing headers (`traceparent`), so the next service continues it. */
export function injectTraceHeaders(set: (name: string, value: string) => void): void {
  propagation.inject(context.active(), undefined, { set: (_carrier, name, value) => set(name, value) });
}

/**
 * Runs `work` inside a server span continuing the caller's trace; the span ends when `work` settles and
 * records a failure.
 */
export async function withServerSpan<T>(
  name: string,
  headers: IncomingHttpHeaders,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.SERVER }, contextFromHeaders(headers), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
