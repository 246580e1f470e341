/**
 * The registry (packages/errors) holds every code this gateway's libraries send on its behalf: Apollo Server's
 * request errors, which would otherwise be masked as INTERNAL_SERVER_ERROR, and the close codes of graphql-ws's
 * server, which docs/errors.md explains to clients.
 */
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { CloseCode } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { closeCodes, errorCodes } from '@curbside/errors';

/** Close codes graphql-ws's client uses for what it finds itself; no server sends them. */
const clientOnly = new Set<number>([
  CloseCode.InternalClientError,
  CloseCode.BadResponse,
  CloseCode.ConnectionAcknowledgementTimeout,
]);

describe('the error registry', () => {
  it('has every code Apollo Server sends, so none of them is masked', () => {
    const missing = Object.values(ApolloServerErrorCode).filter((code) => !Object.hasOwn(errorCodes, code));
    expect(missing).toEqual([]);
  });

  it("has every close code graphql-ws's server sends, and the WebSocket protocol's the gateway uses", () => {
    const sent = Object.values(CloseCode).filter(
      (code): code is number => typeof code === 'number' && !clientOnly.has(code),
    );
    expect(sent.length).toBeGreaterThan(0);
    const missing = [...sent, 1001, 1009].filter((code) => !Object.hasOwn(closeCodes, code));
    expect(missing).toEqual([]);
  });

  it('gives every code an HTTP status and a meaning', () => {
    for (const [code, { httpStatus, description }] of Object.entries(errorCodes)) {
      expect(httpStatus, code).toBeGreaterThanOrEqual(200);
      expect(httpStatus, code).toBeLessThan(600);
      expect(description.length, code).toBeGreaterThan(20);
    }
  });
});
