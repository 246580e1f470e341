/**
 * OpenTelemetry across processes: with an OTLP endpoint configured, the gateway and the subgraphs export spans
 * of one request under one trace id, the subgraphs' spans children of the gateway's fetches.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '@curbside/http';
import { graphql, startProcessStack, waitFor, type ProcessStack } from './index.ts';

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

let collector: Server;
let stack: ProcessStack;
const spans: ExportedSpan[] = [];

/** A minimal OTLP/HTTP (JSON) trace collector: keeps every span it is sent. */
async function startCollector(): Promise<string> {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: Omit<ExportedSpan, 'service'>[] }[];
        }[];
      };
      for (const resourceSpans of body.resourceSpans) {
        const service =
          resourceSpans.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ??
          '?';
        for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push({ ...span, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await listen(collector, 0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  const endpoint = await startCollector();
  stack = await startProcessStack({
    gateways: 1,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  if (collector) await closeServer(collector);
});

describe('tracing', () => {
  it('follows one request from the gateway into the subgraphs under one trace', async () => {
    const response = await graphql(
      stack.gatewayUrl,
      '{ vendors(first: 2) { edges { node { name owner { username } } } } }',
      {},
      {
        headers: { 'x-request-id': 'trace-me' },
      },
    );
    expect(response.status).toBe(200);
    const server = await waitFor('the gateway request span', async () =>
      spans.find((span) => span.service === 'gateway' && span.name === 'POST /graphql'),
    );
    const inTrace = () => spans.filter((span) => span.traceId === server.traceId);
    await waitFor('the vendor subgraph span in the same trace', async () =>
      inTrace().some((span) => span.service === 'vendor-subgraph'),
    );
    const gatewaySpanIds = new Set(
      inTrace()
        .filter((span) => span.service === 'gateway')
        .map((span) => span.spanId),
    );
    const vendorSpan = inTrace().find((span) => span.service === 'vendor-subgraph')!;
    expect(gatewaySpanIds.has(vendorSpan.parentSpanId!)).toBe(true);
    expect(inTrace().some((span) => span.service === 'gateway' && span.name !== 'POST /graphql')).toBe(true);
  }, 30_000);
});
