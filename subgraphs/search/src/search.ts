import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, type FieldProblems } from '@curbside/errors';
import { forwardPageInfo, isUuid, maxCursorLength, trimmedLengthSlack, type Connection } from '@curbside/subgraph-kit';
import type { DocumentType, SearchHitRow, SearchResultReference } from './entities.ts';

/** Longest query, after trimming: 200 characters. */
export const maxQueryLength = 200;
/** Largest page of hits: 50. */
export const maxSearchPageSize = 50;
/**
 * Least trigram word similarity (0 to 1) for a document to match without a full-text match: 0.5. pg_trgm's
 * default (0.6) misses a swapped pair of letters in a short word ("tacso" is 0.5 from "tacos"); 0.4 would
 * also catch one inside a longer word ("sardnies", 0.44) but lets in loose matches ("cake" for "cafe").
 */
export const typoSimilarityThreshold = 0.5;

const typenames: Record<DocumentType, SearchResultReference['__typename']> = {
  USER: 'User',
  VENDOR: 'Vendor',
  POST: 'Post',
};
const documentTypes = Object.keys(typenames) as DocumentType[];

/** Position of a hit in a result list: its score (as the database rounded it, exactly), then type and id. */
export interface HitCursor {
  score: string;
  type: DocumentType;
  id: string;
}

const scorePattern = /^\d{1,6}\.\d{1,6}$/;

/** The opaque cursor of a hit: its position, base64url JSON. */
export function encodeHitCursor(cursor: HitCursor): string {
  return Buffer.from(JSON.stringify([cursor.score, cursor.type, cursor.id])).toString('base64url');
}

/** A cursor's position, or null when it is not one this connection returned (or was tampered with). */
export function decodeHitCursor(value: string): HitCursor | null {
  if (value.length > maxCursorLength) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3) return null;
    const [score, type, id] = parsed as unknown[];
    if (typeof score !== 'string' || !scorePattern.test(score)) return null;
    if (typeof type !== 'string' || !documentTypes.includes(type as DocumentType)) return null;
    if (typeof id !== 'string' || !isUuid(id)) return null;
    return { score, type: type as DocumentType, id };
  } catch {
    return null;
  }
}

export interface SearchArgs {
  query: string;
  types?: readonly DocumentType[] | null | undefined;
  first: number;
  after?: string | null | undefined;
}

/**
 * Checks every argument at once; BAD_USER_INPUT names each bad one. A query longer than trimming could bring
 * within `maxQueryLength` is refused as it came, untrimmed.
 */
export function checkSearchArgs(args: SearchArgs) {
  const problems: FieldProblems = {};
  const untrimmable = args.query.length > maxQueryLength + trimmedLengthSlack;
  const query = untrimmable ? args.query : args.query.trim();
  if (untrimmable || query.length < 1 || query.length > maxQueryLength) {
    problems['query'] = `expected 1 to ${maxQueryLength} characters after trimming, got ${query.length}`;
  }
  if (args.types && args.types.length === 0) {
    problems['types'] = `expected at least one of ${documentTypes.join(', ')} (leave it out to search everything)`;
  }
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > maxSearchPageSize) {
    problems['first'] = `expected an integer from 1 to ${maxSearchPageSize}, got ${args.first}`;
  }
  const after = args.after == null ? null : decodeHitCursor(args.after);
  if (args.after != null && !after) problems['after'] = 'expected a cursor returned by this connection';
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
  return { query, types: args.types ? [...new Set(args.types)] : documentTypes, first: args.first, after };
}

/**
 * Searches the index: documents with every word of the query in full text (english stemming), or with words
 * close to it by trigrams (pg_trgm word similarity), scored by full-text rank plus trigram word similarity, best first
 * with type and id breaking ties. Keyset pagination on that order: a page never repeats a hit of an earlier
 * one (a document edited in between may move).
 */
export async function searchDocuments(em: EntityManager, args: SearchArgs): Promise<Connection<SearchHitRow>> {
  const { query, types, first, after } = checkSearchArgs(args);
  const rows = await em.transactional(async (tx) => {
    // Local to this transaction: the threshold the trigram operator (and its index) use.
    await tx.execute(`select set_config('pg_trgm.word_similarity_threshold', ?, true)`, [
      String(typoSimilarityThreshold),
    ]);
    // The score is rounded to a numeric so that cursors carry it exactly, and compared as computed.
    return tx.execute<{ type: DocumentType; id: string; score: string }[]>(
      `select type, id, score from (
         select type, id, round((ts_rank(document, plainto_tsquery('english', ?))
           + word_similarity(?, search_text))::numeric, 6) as score
         from search_document
         where deleted_at is null and type in (?)
           and (document @@ plainto_tsquery('english', ?) or ? <% search_text)
       ) hit
       where ${after ? '(score < ?::numeric or (score = ?::numeric and (type, id) > (?, ?::uuid)))' : 'true'}
       order by score desc, type, id
       limit ?`,
      [
        query,
        query,
        types,
        query,
        query,
        ...(after ? [after.score, after.score, after.type, after.id] : []),
        first + 1,
      ],
    );
  });
  return searchPage(rows, first);
}

/**
 * A page of hits from rows in ranking order, fetched one past the page (`first + 1`) to tell whether more follow:
 * each hit with its cursor, its score as a number and a reference to its entity.
 */
export function searchPage(rows: readonly HitCursor[], first: number): Connection<SearchHitRow> {
  const page = rows.slice(0, first);
  const edges = page.map((row) => ({
    cursor: encodeHitCursor(row),
    node: { score: Number(row.score), node: { __typename: typenames[row.type], nodeKey: row.id } },
  }));
  return { edges, pageInfo: forwardPageInfo(edges, rows.length > first) };
}
