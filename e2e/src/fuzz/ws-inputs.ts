/**
 * graphql-ws sessions for the fuzzer (an init, usually; subscribes of generated or mutated documents; odd frames),
 * and `anyInput`, every kind mixed.
 */
import fc, { type Arbitrary } from 'fast-check';
import type { GraphQLSchema } from 'graphql';
import { generateOperation, type GeneratedOperation, type KnownValues } from './documents.ts';
import {
  adminTokenPlaceholder,
  documentInput,
  mutatedInput,
  mutateText,
  rawInput,
  userTokenPlaceholder,
  type FuzzInput,
} from './inputs.ts';
import { picking, type Pick } from './pick.ts';
import { hostileJsonText, hostileString } from './values.ts';

function connectionInit(pick: Pick): string {
  const payload = pick.weighted([
    [4, '{}'],
    [4, `{"authorization":"Bearer ${userTokenPlaceholder}"}`],
    [1, `{"authorization":"Bearer ${adminTokenPlaceholder}"}`],
    [1, `{"authorization":${JSON.stringify(hostileString(pick, 3_000))}}`],
    [1, `{"authorization":${hostileJsonText(pick)}}`],
    [1, hostileJsonText(pick)],
  ]);
  return pick.chance(0.1) ? `{"type":"connection_init"}` : `{"type":"connection_init","payload":${payload}}`;
}

function subscribeFrame(pick: Pick, id: string, operation: GeneratedOperation, mutate: boolean): string {
  const query = mutate ? mutateText(pick, operation.query) : operation.query;
  const name = operation.operationName ? `,"operationName":${JSON.stringify(operation.operationName)}` : '';
  const extensions = pick.chance(0.1)
    ? `,"extensions":${pick.one(['{"lastEventId":"1-0"}', '{"lastEventId":"x"}', hostileJsonText(pick)])}`
    : '';
  return `{"id":${JSON.stringify(id)},"type":"subscribe","payload":{"query":${JSON.stringify(query)},"variables":${operation.variablesJson}${name}${extensions}}}`;
}

function randomFrame(pick: Pick, ids: string[]): string | Uint8Array {
  const id = ids.length > 0 && pick.chance(0.7) ? pick.one(ids) : hostileString(pick, 2_000);
  return pick.one<() => string | Uint8Array>([
    () => `{"type":"complete","id":${JSON.stringify(id)}}`,
    () => `{"type":"ping"${pick.chance(0.5) ? `,"payload":${hostileJsonText(pick)}` : ''}}`,
    () => `{"type":"pong"}`,
    () =>
      `{"type":${JSON.stringify(pick.one(['next', 'error', 'connection_ack', 'start', 'stop', 'connection_terminate', '', 'subscribe']))},"id":${JSON.stringify(id)},"payload":${hostileJsonText(pick)}}`,
    () => `{"type":"subscribe","id":${hostileJsonText(pick)},"payload":${hostileJsonText(pick)}}`,
    () => `{"type":"subscribe","id":${JSON.stringify(id)},"payload":{"query":${hostileJsonText(pick)}}}`,
    () => hostileJsonText(pick),
    () => pick.text(200),
    () => pick.bytes(512),
    () => `{"type":"connection_init","payload":{}}`, // a second init: 4429
    () => `{"type":"subscribe","id":"big","payload":{"query":"${'{ __typename '.repeat(pick.int(1_000, 30_000))}"}}`, // near or past the message limit
  ])();
}

/** A graphql-ws session: an init (usually), subscribes of schema-aware or mutated documents, and random frames. */
export function wsInput(schema: GraphQLSchema, known: KnownValues): Arbitrary<FuzzInput> {
  return picking((pick) => {
    const frames: (string | Uint8Array)[] = [];
    if (pick.chance(0.9)) frames.push(connectionInit(pick));
    const ids: string[] = [];
    for (let i = pick.int(1, 4); i > 0; i--) {
      if (pick.chance(0.6)) {
        const id = pick.chance(0.1) && ids.length > 0 ? ids[0]! : String(ids.length + 1); // a duplicate id: 4409
        ids.push(id);
        frames.push(subscribeFrame(pick, id, generateOperation(pick, schema, known), pick.chance(0.3)));
      } else {
        frames.push(randomFrame(pick, ids));
      }
    }
    const protocol = pick.weighted([
      [9, 'graphql-transport-ws'],
      [1, pick.one([null, 'graphql-ws', 'x', 'graphql-transport-ws, graphql-ws'])],
    ] as const);
    return { kind: 'ws', ws: { protocol, frames } };
  });
}

/** Every kind, mixed: operations, mutated documents, raw requests and sessions. */
export function anyInput(schema: GraphQLSchema, known: KnownValues): Arbitrary<FuzzInput> {
  return fc.oneof(
    { weight: 4, arbitrary: documentInput(schema, known) },
    { weight: 3, arbitrary: mutatedInput(schema, known) },
    { weight: 3, arbitrary: rawInput() },
    { weight: 2, arbitrary: wsInput(schema, known) },
  );
}
