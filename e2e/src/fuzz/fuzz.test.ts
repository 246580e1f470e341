import fc from 'fast-check';
import { parse, validate } from 'graphql';
import { describe, expect, test } from 'vitest';
import { apiSchema } from './campaign.ts';
import { generateOperation } from './documents.ts';
import { anyInput } from './ws-inputs.ts';
import { checkGraphQLErrors, checkHttpResponse, leaksIn } from './oracle.ts';
import { picking } from './pick.ts';
import { parseResponses, serializeHttp } from './transport.ts';

const schema = apiSchema();
const known = { ids: ['1'] };

describe('generators', () => {
  test('most generated operations are valid against the API schema, and they are of every kind', () => {
    const operations = fc.sample(
      picking((pick) => generateOperation(pick, schema, known)),
      { seed: 7, numRuns: 200 },
    );
    const valid = operations.filter((operation) => {
      try {
        return validate(schema, parse(operation.query)).length === 0;
      } catch {
        return false;
      }
    });
    expect(valid.length).toBeGreaterThan(100);
    expect(new Set(valid.map((operation) => operation.kind))).toEqual(new Set(['query', 'mutation', 'subscription']));
  });

  test('a seed replays the same inputs', () => {
    const first = fc.sample(anyInput(schema, known), { seed: 42, numRuns: 20 });
    const again = fc.sample(anyInput(schema, known), { seed: 42, numRuns: 20 });
    expect(again).toEqual(first);
    expect(new Set(first.map((input) => input.kind)).size).toBeGreaterThan(2);
  });
});

describe('oracle', () => {
  const response = (status: number, body: unknown) => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
    complete: true,
  });

  test('a 500 is a finding; a 503 SERVICE_UNAVAILABLE and a coded 400 are not', () => {
    const masked = { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
    expect(checkHttpResponse(response(500, masked), '', 'POST /graphql').map((p) => p.category)).toContain('http-5xx');
    const unavailable = { errors: [{ message: 'retry', extensions: { code: 'SERVICE_UNAVAILABLE' } }] };
    expect(checkHttpResponse(response(503, unavailable), '', 'POST /graphql')).toEqual([]);
    const refused = { errors: [{ message: 'Syntax Error', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] };
    expect(checkHttpResponse(response(400, refused), '', 'POST /graphql')).toEqual([]);
  });

  test('errors without a code, with an unregistered code, or unmasked internals are findings', () => {
    const categories = checkGraphQLErrors(
      [
        { message: 'no code' },
        { message: 'x', extensions: { code: 'SOMETHING_ELSE' } },
        { message: 'relation "post" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        { message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ],
      'here',
    ).map((problem) => [problem.category, problem.severity]);
    expect(categories).toEqual([
      ['error-without-code', 'fail'],
      ['unknown-code', 'fail'],
      ['unmasked-internal', 'fail'],
      ['masked-internal', 'note'],
    ]);
  });

  test('stack frames, paths and SQL are leaks, unless the input itself carried them', () => {
    const stack = 'Error: boom\n    at resolve (/work/main/subgraphs/post/src/posts.ts:10:5)';
    expect(leaksIn(stack, '').map((problem) => problem.detail.split(':')[0])).toEqual(
      expect.arrayContaining(['stack frame', 'file path', 'source location']),
    );
    expect(leaksIn('duplicate key value violates unique constraint "app_user_email_unique"', '')).not.toEqual([]);
    expect(leaksIn('Cannot query field "node_modules" on type "Query".', '{ node_modules }')).toEqual([]);
  });
});

describe('transport', () => {
  test('a request is framed as asked, and responses are parsed back (length and chunked)', () => {
    const input = { method: 'POST', target: '/graphql', headers: [], body: 'abcd', framing: 'chunked' as const };
    const text = serializeHttp(input, 'h:1', { user: 'u', admin: 'a' }).toString('latin1');
    expect(text).toContain('transfer-encoding: chunked\r\n');
    expect(text.endsWith('\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n')).toBe(true);
    const wire = Buffer.from(
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 400 Bad\r\ntransfer-encoding: chunked\r\n\r\n3\r\nbad\r\n0\r\n\r\n',
    );
    const [first, second] = parseResponses(wire, true, ['GET', 'GET']);
    expect([first?.status, first?.body.toString(), second?.status, second?.body.toString()]).toEqual([
      200,
      'ok',
      400,
      'bad',
    ]);
  });
});
