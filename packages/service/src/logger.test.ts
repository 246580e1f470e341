import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

/** A pino destination keeping each line written. */
function lines(): { stream: Writable; lines: Record<string, unknown>[] } {
  const written: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) written.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines: written };
}

// A provider registered as startTracing registers it (with the async-hooks context manager), without an exporter.
const provider = new NodeTracerProvider();
provider.register();
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
});

describe('log lines', () => {
  it("carry the active span's trace and span ids, and none outside a span", async () => {
    const out = lines();
    const logger = createLogger('logger-test', 'info', out.stream);
    logger.info('outside');
    const ids = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 1)); // across an await, as a request handler logs
      logger.child({ requestId: 'r1' }).info('inside');
      span.end();
      return span.spanContext();
    });
    expect(out.lines).toHaveLength(2);
    expect(out.lines[0]).not.toHaveProperty('traceId');
    expect(out.lines[1]).toMatchObject({ msg: 'inside', requestId: 'r1', traceId: ids.traceId, spanId: ids.spanId });
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
