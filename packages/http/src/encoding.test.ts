import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { outcomeWithinHangGuardSync } from '@curbside/fixtures';
import { describe, expect, it } from 'vitest';
import {
  InvalidBodyEncodingError,
  badRequestMessage,
  checkQueryStringEncoding,
  requestIdOf,
  toGraphQLRequest,
} from './index.ts';

const megabyte = 1 << 20;

function request(url: string, headers: Record<string, string> = {}, method = 'POST'): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.url = url;
  req.method = method;
  req.headers = headers;
  return req;
}

const json = { 'content-type': 'application/json' };

/** The error `run` threw (undefined when none), failing when it took longer than the hang guard. */
function thrownQuickly(run: () => unknown): unknown {
  return outcomeWithinHangGuardSync(() => void run());
}

describe('toGraphQLRequest', () => {
  it('refuses a JSON body that is not UTF-8 instead of replacing the bad bytes', () => {
    const body = Buffer.concat([
      Buffer.from('{"query":"mutation { register(input: { displayName: \\"Ana '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\\" }) { user { id } } }"}'),
    ]);
    const error = thrownQuickly(() => toGraphQLRequest(request('/graphql', json), body));
    expect(error).toBeInstanceOf(InvalidBodyEncodingError);
    expect(badRequestMessage(error)).toBe('The request body is not valid UTF-8.');
  });

  it('refuses overlong encodings, lone surrogates and a truncated sequence', () => {
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
    ]) {
      const body = Buffer.concat([Buffer.from('{"query":"'), Buffer.from(bad), Buffer.from('"}')]);
      expect(() => toGraphQLRequest(request('/graphql', json), body)).toThrow(InvalidBodyEncodingError);
    }
  });

  it('still reads valid UTF-8 as it is, and tells bad JSON apart', () => {
    const text = '{"query":"{ search(query: \\"café 🌮\\") { edges { cursor } } }"}';
    expect(toGraphQLRequest(request('/graphql', json), Buffer.from(text)).body).toEqual(JSON.parse(text));
    const error = thrownQuickly(() => toGraphQLRequest(request('/graphql', json), Buffer.from('{"query":')));
    expect(error).toBeInstanceOf(SyntaxError);
    expect(badRequestMessage(error)).toBe('The body is not valid JSON.');
  });

  it('decodes two megabytes of multi-byte text, or refuses a bad byte at its end, in linear time', () => {
    const valid = Buffer.from(JSON.stringify({ query: `{ __typename } # ${'é'.repeat(megabyte - 20)}` }));
    expect(thrownQuickly(() => toGraphQLRequest(request('/graphql', json), valid))).toBeUndefined();
    const bad = Buffer.concat([valid.subarray(0, valid.length - 2), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(thrownQuickly(() => toGraphQLRequest(request('/graphql', json), bad))).toBeInstanceOf(
      InvalidBodyEncodingError,
    );
  });

  it('refuses a GET query string whose escapes are not UTF-8, or that carries raw non-ASCII', () => {
    for (const url of ['/graphql?query=%7B__typename%7D%FF', '/graphql?query={a}&x=%C3', '/graphql?query=\u00ff']) {
      const error = thrownQuickly(() => toGraphQLRequest(request(url, {}, 'GET'), Buffer.alloc(0)));
      expect(error).toBeInstanceOf(InvalidBodyEncodingError);
      expect(badRequestMessage(error)).toBe('The request query string is not valid UTF-8.');
    }
  });

  it('keeps valid query strings, literal % signs and + as they were', () => {
    const url = '/graphql?query=%7B%20search(query%3A%20%22caf%C3%A9%20100%25%22)%20%7D&x=50%&y=a+b';
    const parsed = toGraphQLRequest(request(url, {}, 'GET'), Buffer.alloc(0));
    expect(new URLSearchParams(parsed.search).get('query')).toBe('{ search(query: "café 100%") }');
    expect(thrownQuickly(() => checkQueryStringEncoding(`query=${'%C3%A9'.repeat(megabyte / 6)}`))).toBeUndefined();
    expect(thrownQuickly(() => checkQueryStringEncoding(`query=${'%E2%82'.repeat(megabyte / 6)}`))).toBeInstanceOf(
      InvalidBodyEncodingError,
    );
    expect(thrownQuickly(() => checkQueryStringEncoding('%'.repeat(megabyte)))).toBeUndefined();
  });
});

describe('requestIdOf', () => {
  it('takes a sane id and replaces a long or odd one with a UUID, quickly', () => {
    expect(requestIdOf(request('/', { 'x-request-id': 'abc-123' }))).toBe('abc-123');
    for (const id of ['a'.repeat(129), 'a'.repeat(megabyte), `${'a'.repeat(100)} x`]) {
      expect(outcomeWithinHangGuardSync(() => requestIdOf(request('/', { 'x-request-id': id })))).toMatch(
        /^[0-9a-f-]{36}$/,
      );
    }
  });
});
