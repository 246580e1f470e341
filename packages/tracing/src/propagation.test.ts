import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, describe, expect, it } from 'vitest';
import { currentTraceparent, startProducerSpan, withConsumerSpan } from './index.ts';

// As startTracing registers it (W3C propagator, async-hooks context), exporting to memory.
const exported = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exported)] });
provider.register();
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

const traceparentOf = (traceId: string, spanId: string) => `00-${traceId}-${spanId}-01`;
const finished = (name: string) => exported.getFinishedSpans().find((span) => span.name === name)!;

describe('trace context through stored work', () => {
  it('is stored from the active span, handed on by a producer span, and continued by a consumer span', async () => {
    expect(currentTraceparent()).toBeNull();
    const stored = trace.getTracer('test').startActiveSpan('request', (span) => {
      span.end();
      return { traceparent: currentTraceparent(), context: span.spanContext() };
    });
    expect(stored.traceparent).toBe(traceparentOf(stored.context.traceId, stored.context.spanId));

    const producer = startProducerSpan('relay', stored.traceparent);
    producer.end();
    const relay = finished('relay');
    expect(relay.parentSpanContext?.spanId).toBe(stored.context.spanId);
    expect(producer.traceparent).toBe(traceparentOf(stored.context.traceId, relay.spanContext().spanId));

    await withConsumerSpan('job', [producer.traceparent!], async () => {
      // The handler's own spans (its queries) are children of the consumer span.
      trace.getTracer('test').startSpan('query').end();
    });
    const job = finished('job');
    expect(job.spanContext().traceId).toBe(stored.context.traceId);
    expect(job.parentSpanContext?.spanId).toBe(relay.spanContext().spanId);
    expect(finished('query').parentSpanContext?.spanId).toBe(job.spanContext().spanId);
  });

  it('starts a trace linked to each event for a job of several, and hands on nothing when nothing was stored', async () => {
    const first = traceparentOf('1'.repeat(32), '2'.repeat(16));
    const second = traceparentOf('3'.repeat(32), '4'.repeat(16));
    await expect(
      withConsumerSpan('batch', [first, second], async () => {
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    const batch = finished('batch');
    expect(batch.parentSpanContext).toBeUndefined();
    expect(batch.links.map((link) => link.context.traceId)).toEqual(['1'.repeat(32), '3'.repeat(32)]);
    expect(batch.status.code).toBe(2); // ERROR

    const untraced = startProducerSpan('relay of an event without a trace', null);
    untraced.end();
    expect(untraced.traceparent).toBeNull();
    expect(exported.getFinishedSpans().some((span) => span.name === 'relay of an event without a trace')).toBe(false);
  });
});
