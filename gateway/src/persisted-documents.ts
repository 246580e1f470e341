import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Redis } from '@curbside/redis';

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

export type DocumentResolution = { query: string } | { refused: { code: string; message: string } };

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
  const notAllowed = {
    refused: { code: 'PERSISTED_QUERY_NOT_ALLOWED', message: 'Only the trusted documents of this API may run here.' },
  };
  const documentId = typeof body.documentId === 'string' ? body.documentId : undefined;
  const apqHash = (body.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery
    ?.sha256Hash;
  if (documentId !== undefined) {
    const query = manifest?.byId(documentId);
    if (query) return { query };
    return { refused: { code: 'PERSISTED_QUERY_NOT_FOUND', message: `No trusted document '${documentId}'.` } };
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

/**
 * Apollo Server's APQ cache in Redis, so every gateway replica knows a hash once one has seen its document.
 * Keys expire after a day unless used again.
 */
export function redisDocumentCache(redis: Redis, ttlSeconds = 24 * 3600): KeyValueCache<string> {
  const key = (name: string) => `apq:${name}`;
  return {
    async get(name) {
      return (await redis.get(key(name))) ?? undefined;
    },
    async set(name, value, options) {
      await redis.set(key(name), value, 'EX', options?.ttl ?? ttlSeconds);
    },
    async delete(name) {
      await redis.del(key(name));
    },
  };
}
