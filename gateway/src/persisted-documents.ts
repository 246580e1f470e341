import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { DocumentNode } from 'graphql';
import type { ErrorCode } from '@curbside/errors';

/**
 * - `off`: any operation, sent as text (and automatic persisted queries).
 * - `allow`: the same, and a client may also send just a manifest document's id.
 * - `safelist`: only the manifest's documents run (sent by id, by APQ hash, or as their exact text); anything
 *   else is refused with PERSISTED_QUERY_NOT_ALLOWED before it is planned.
 */
export type PersistedDocumentsMode = 'off' | 'allow' | 'safelist';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A trusted-documents manifest: hash → document, as `@graphql-codegen/client-preset` writes it. */
export class DocumentManifest {
  readonly #byHash = new Map<string, string>();

  constructor(documents: Record<string, string>) {
    for (const [id, text] of Object.entries(documents)) this.#byHash.set(id.replace(/^sha256:/, ''), text);
  }

  static load(path: string): DocumentManifest {
    return new DocumentManifest(JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>);
  }

  get size(): number {
    return this.#byHash.size;
  }

  /** The document of an id (`sha256:`-prefixed or not). */
  byId(id: string): string | undefined {
    return this.#byHash.get(id.replace(/^sha256:/, ''));
  }

  /** Whether this exact text is one of the manifest's documents. */
  has(text: string): boolean {
    return this.#byHash.get(sha256(text)) === text;
  }
}

export type DocumentResolution =
  | { query: string }
  | {
      refused: {
        code: Extract<ErrorCode, 'PERSISTED_QUERY_NOT_ALLOWED' | 'PERSISTED_QUERY_NOT_FOUND'>;
        message: string;
      };
    };

/**
 * Turns what a request sent (`query`, `documentId`, or APQ's `extensions.persistedQuery.sha256Hash`) into the
 * document to run, per mode. Returns null when there is nothing to resolve here (APQ with an unknown hash in
 * `off`/`allow` mode: Apollo Server's own APQ cache answers it).
 */
export function resolveDocument(
  body: { query?: unknown; documentId?: unknown; extensions?: unknown },
  mode: PersistedDocumentsMode,
  manifest: DocumentManifest | null,
): DocumentResolution | null {
  if (mode === 'off') return null;
  const notAllowed: DocumentResolution = {
    refused: { code: 'PERSISTED_QUERY_NOT_ALLOWED', message: 'Only the trusted documents of this API may run here.' },
  };
  const documentId = typeof body.documentId === 'string' ? body.documentId : undefined;
  const apqHash = (body.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery
    ?.sha256Hash;
  if (documentId !== undefined) {
    const query = manifest?.byId(documentId);
    if (query) return { query };
    // Quoted cut short: an id is a hash, and the rest of a 2 MB one need not come back.
    const quoted = JSON.stringify(documentId.length > 80 ? `${documentId.slice(0, 80)}…` : documentId);
    return { refused: { code: 'PERSISTED_QUERY_NOT_FOUND', message: `No trusted document ${quoted}.` } };
  }
  if (typeof body.query === 'string') {
    if (mode === 'safelist' && !manifest?.has(body.query)) return notAllowed;
    return null;
  }
  if (typeof apqHash === 'string') {
    const query = manifest?.byId(apqHash);
    if (query) return { query };
    return mode === 'safelist' ? notAllowed : null;
  }
  return null;
}

/** How much document text (in UTF-16 code units, about bytes) the APQ cache of one gateway keeps: 8 Mi. */
export const defaultApqCacheSize = 8 * 1024 * 1024;

/**
 * Apollo Server's cache of parsed and validated documents, bounded by about `maxBytes` of their JSON form
 * (Apollo's own default is 30 MiB): every distinct document a client sends lands in it.
 */
export function parsedDocumentCache(maxBytes: number): KeyValueCache<DocumentNode> {
  return new InMemoryLRUCache<DocumentNode>({ maxSize: maxBytes, sizeCalculation: InMemoryLRUCache.sizeCalculation });
}

/**
 * Apollo Server's APQ cache: in this process, least recently used evicted past `maxSize` characters of
 * documents, so registrations (each already held to the document size limit) can never take more than that.
 * It is deliberately not in Redis: there, anyone could fill the memory the queues, the blocklist and the rate
 * limits need. Each replica learns a hash on its own; a client whose hash a replica has not seen gets
 * PERSISTED_QUERY_NOT_FOUND and sends the document once more, as the APQ protocol provides.
 */
export function apqDocumentCache(maxSize = defaultApqCacheSize): KeyValueCache<string> {
  return new InMemoryLRUCache<string>({ maxSize, sizeCalculation: (document) => document.length + 64 });
}

/** Why a request may not run as sent under the trusted-documents mode. */
export interface DocumentRefusal {
  code: Extract<ErrorCode, 'BAD_REQUEST' | 'PERSISTED_QUERY_NOT_ALLOWED' | 'PERSISTED_QUERY_NOT_FOUND'>;
  message: string;
}

/**
 * The trusted-documents step of the HTTP path: puts the document a request names in its body (POST), or
 * refuses the request: in safelist mode, anything that is not one of the manifest's documents. The step
 * returns the refusal, or null to go on.
 */
export function makePersistedDocumentsStep(mode: PersistedDocumentsMode, manifest: DocumentManifest | null) {
  return (request: { method: string; body: unknown; search: string }): DocumentRefusal | null => {
    if (mode === 'off') return null;
    let fields: { query?: unknown; documentId?: unknown; extensions?: unknown };
    if (request.method === 'GET') {
      const params = new URLSearchParams(request.search);
      let extensions: unknown;
      try {
        extensions = params.has('extensions') ? JSON.parse(params.get('extensions')!) : undefined;
      } catch {
        extensions = undefined;
      }
      fields = {
        ...(params.has('query') ? { query: params.get('query') } : {}),
        ...(params.has('documentId') ? { documentId: params.get('documentId') } : {}),
        extensions,
      };
    } else {
      if (typeof request.body !== 'object' || request.body === null) return null;
      fields = request.body as typeof fields;
    }
    const resolution = resolveDocument(fields, mode, manifest);
    if (!resolution) return null;
    if ('refused' in resolution) return resolution.refused;
    if (request.method === 'GET') return { code: 'BAD_REQUEST', message: 'Send trusted documents by id with POST.' };
    const body = request.body as Record<string, unknown>;
    body['query'] = resolution.query;
    delete body['documentId'];
    return null;
  };
}
