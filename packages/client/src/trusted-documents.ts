/**
 * Trusted documents: the gateway in `allow` or `safelist` mode (`PERSISTED_DOCUMENTS`) runs the documents of its
 * manifest, `persisted-documents.json`, which `pnpm codegen` writes from `operations.ts`. Each typed document
 * carries its manifest id (`__meta__.hash`, codegen's `embedHashInDocument`), so a client never needs the text
 * on the wire:
 * - over HTTP (queries, mutations, multipart subscriptions) `trustedDocumentsLink` sends the id as the request's
 *   `extensions.persistedQuery.sha256Hash` and no `query`;
 * - over graphql-ws, whose `subscribe` message must carry a `query` string, `sendTrustedDocuments` replaces the
 *   text Apollo Client printed with the manifest's own text for that id, which the gateway accepts as is.
 * A document without an id (written with `gql`, not in the manifest) goes out as text: a gateway in safelist
 * mode refuses it with `PERSISTED_QUERY_NOT_ALLOWED`.
 */
import { ApolloLink } from '@apollo/client';
import type { DocumentNode } from 'graphql';
import type { Client, Sink, SubscribePayload } from 'graphql-ws';
import manifest from './gql/persisted-documents.json' with { type: 'json' };

/** The manifest: `sha256:<hex>` id → document text, as the gateway loads it. */
export const trustedDocuments: Readonly<Record<string, string>> = manifest;

/** The manifest id codegen embedded in a typed document (`sha256:<hex>`); undefined for any other document. */
export function documentIdOf(document: DocumentNode): string | undefined {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  return typeof hash === 'string' ? hash : undefined;
}

const hexOf = (id: string) => id.replace(/^sha256:/, '');

/**
 * Sends each trusted document by its id over HTTP (`extensions.persistedQuery`, the form automatic persisted
 * queries use, which the gateway resolves from its manifest), without its text. Place it before the HTTP link.
 * Unlike Apollo's `PersistedQueryLink` it never retries with the text: a trusted document is in the manifest
 * or it is refused, and a refusal will not change on a retry.
 */
export function trustedDocumentsLink(): ApolloLink {
  return new ApolloLink((operation, forward) => {
    const id = documentIdOf(operation.query);
    if (id === undefined) return forward(operation);
    operation.extensions = { ...operation.extensions, persistedQuery: { version: 1, sha256Hash: hexOf(id) } };
    operation.setContext(({ http }: { http?: Record<string, unknown> }) => ({
      http: { ...http, includeQuery: false, includeExtensions: true },
    }));
    return forward(operation);
  });
}

/**
 * Wraps a graphql-ws client so a payload that names a trusted document (`extensions.persistedQuery`, set by
 * `trustedDocumentsLink`) is sent with the manifest's exact text, which the gateway recognizes in every mode.
 * Put it outside `resumableSubscriptions` (`sendTrustedDocuments(resumableSubscriptions(client))`): the payload
 * that wrapper keeps, and graphql-ws sends again on each reconnection, is then the one with the manifest text.
 */
export function sendTrustedDocuments(client: Client): Client {
  return {
    ...client,
    subscribe<Data = Record<string, unknown>, Extensions = unknown>(
      payload: SubscribePayload,
      sink: Sink<import('graphql').FormattedExecutionResult<Data, Extensions>>,
    ) {
      const hash = (payload.extensions?.['persistedQuery'] as { sha256Hash?: unknown } | undefined)?.sha256Hash;
      const text = typeof hash === 'string' ? trustedDocuments[`sha256:${hash}`] : undefined;
      if (text === undefined) return client.subscribe<Data, Extensions>(payload, sink);
      const { persistedQuery: _persistedQuery, ...extensions } = payload.extensions ?? {};
      return client.subscribe<Data, Extensions>({ ...payload, query: text, extensions }, sink);
    },
  };
}
