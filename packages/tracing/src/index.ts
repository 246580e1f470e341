import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type Span,
  type TracerProvider,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { sqlWithoutLiterals } from './sql.ts';

export { sqlWithoutLiterals } from './sql.ts';
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
 * batched (`OTEL_BSP_SCHEDULE_DELAY` and the other standard variables apply). PostgreSQL queries (`pg`) and Redis
 * commands (`ioredis`, BullMQ's too) made inside a span get spans of their own (see `instrumentLibraries`).
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
  const uninstrument = instrumentLibraries(provider);
  let stopping: Promise<void> | undefined;
  return {
    shutdown() {
      stopping ??= provider.shutdown().finally(uninstrument);
      return stopping;
    },
  };
}

/**
 * Patches `pg` and `ioredis` with the official OpenTelemetry instrumentations: a query or command made inside a
 * span gets a client span (`db.system.name` postgresql or redis), and one made outside any span none, so the
 * relays' sweeps, BullMQ's polling and the metrics' samples start no traces of their own. Redis spans name the
 * command only: BullMQ's script arguments carry job data, and keys may carry ids. SQL is recorded without its
 * literals (see `sqlWithoutLiterals`), never with its values; the database's address without credentials.
 * Returns the undo.
 */
function instrumentLibraries(tracerProvider: TracerProvider): () => void {
  const undo = registerInstrumentations({
    tracerProvider,
    instrumentations: [
      new PgInstrumentation({
        requireParentSpan: true,
        requestHook: (span, { query }) => span.setAttribute('db.query.text', sqlWithoutLiterals(query.text)),
      }),
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
  // The instrumentations patch a module as it is required; the services import (ESM) these before tracing starts,
  // and an import of a CommonJS package is no require the hooks see. Requiring each once more here, now hooked,
  // patches the copy already loaded: the one every import shares, as the workspace installs one of each (the
  // lockfile's `pg` override makes MikroORM's the same). The classes are patched on their prototypes, so clients
  // made before this are traced too.
  const require = createRequire(import.meta.url);
  for (const name of ['pg', 'ioredis']) require(name);
  return undo;
}

const tracer = () => trace.getTracer('curbside');

/** Runs `work` in `span`, which ends when `work` settles and records its failure. */
async function runToEnd<T>(span: Span, work: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await work(span);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

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
  return tracer().startActiveSpan(name, { kind: SpanKind.SERVER }, contextFromHeaders(headers), (span) =>
    runToEnd(span, work),
  );
}

/** The W3C `traceparent` of the span active now, to store with work done later (an outbox event); null without one. */
export function currentTraceparent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'] ?? null;
}

const contextOf = (traceparent: string): Context => propagation.extract(ROOT_CONTEXT, { traceparent });

/**
 * A producer span for handing stored work on (the outbox relay queueing an event), a child of the `traceparent`
 * stored with it; `traceparent` of the result is the span's own, for the consumer to continue. Without tracing,
 * or without a stored context, the stored value is handed on as it was. End it once the hand-over is done.
 */
export function startProducerSpan(
  name: string,
  traceparent: string | null,
): { traceparent: string | null; end(error?: unknown): void } {
  if (!traceparent) return { traceparent: null, end: () => undefined };
  const span = tracer().startSpan(name, { kind: SpanKind.PRODUCER }, contextOf(traceparent));
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return {
    traceparent: carrier['traceparent'] ?? traceparent,
    end(error) {
      if (error !== undefined) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
  };
}

/**
 * Runs `work` inside a consumer span (a queued job): with one stored `traceparent`, a child of it, continuing the
 * trace that caused the job; with several (a job of several events), a new trace linked to each of theirs. The
 * span ends when `work` settles and records a failure.
 */
export async function withConsumerSpan<T>(
  name: string,
  traceparents: readonly string[],
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = traceparents.length === 1 ? contextOf(traceparents[0]!) : ROOT_CONTEXT;
  const links: Link[] =
    traceparents.length > 1
      ? traceparents
          .map((traceparent) => trace.getSpanContext(contextOf(traceparent)))
          .filter((spanContext) => spanContext !== undefined)
          .map((spanContext) => ({ context: spanContext }))
      : [];
  return tracer().startActiveSpan(name, { kind: SpanKind.CONSUMER, links }, parent, (span) => runToEnd(span, work));
}
