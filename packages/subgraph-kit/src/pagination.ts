import { badUserInput } from '@curbside/errors';
import { isUuid } from './guards.ts';

/** Largest page a connection field returns. */
export const maxPageSize = 100;

/** Position of a row in a newest-first list: its creation time, with its id to break ties. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

/**
 * The longest cursor accepted: 200 characters. `encodeCursor` makes about 90 (a timestamp and a UUID); the bound
 * keeps a forged megabyte from being decoded and parsed.
 */
export const maxCursorLength = 200;

/** Parses an `after` argument; a cursor not made by `encodeCursor` (or too long) is `BAD_USER_INPUT`. */
export function decodeCursor(value: string, argument = 'after'): Cursor {
  if (value.length > maxCursorLength)
    throw badUserInput({ [argument]: 'expected a cursor returned by this connection' });
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string' && isUuid(parsed[1])) {
      const createdAt = new Date(parsed[0]);
      if (!Number.isNaN(createdAt.getTime())) return { createdAt, id: parsed[1] };
    }
  } catch {
    // fall through to the input error
  }
  throw badUserInput({ [argument]: 'expected a cursor returned by this connection' });
}

/** Checks a `first` argument: 1 to `maxPageSize`. */
export function checkPageSize(first: number, argument = 'first'): number {
  if (!Number.isInteger(first) || first < 1 || first > maxPageSize) {
    throw badUserInput({ [argument]: `expected an integer from 1 to ${maxPageSize}, got ${first}` });
  }
  return first;
}

/**
 * Relay's PageInfo. Connections page forward only, so `hasPreviousPage` is always false (the Relay spec allows
 * that for a page read with first/after).
 */
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: PageInfo;
}

/** The page info of forward-only edges, `hasNextPage` told by the caller (usually: one row past the page came). */
export function forwardPageInfo(edges: readonly { cursor: string }[], hasNextPage: boolean): PageInfo {
  return {
    hasNextPage,
    hasPreviousPage: false,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
}

/** A connection with no edges. */
export function emptyConnection<Node>(): Connection<Node> {
  return { edges: [], pageInfo: forwardPageInfo([], false) };
}

/** Builds a connection from up to `first + 1` rows fetched newest first (the extra one says there is more). */
export function toConnection<Node extends Cursor>(rows: Node[], first: number): Connection<Node> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encodeCursor(node), node }));
  return { edges, pageInfo: forwardPageInfo(edges, rows.length > first) };
}

/**
 * An export query's page (`first` rows, 1 to `maxPageSize`, in id order after the id `after`), as `em.find`'s
 * filter and options: keyset paging, so a page costs one index range read however far the export has gone.
 * `BAD_USER_INPUT` names each bad argument.
 */
export function exportPage(args: { first: number; after?: string | null | undefined }) {
  const problems: Record<string, string> = {};
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > maxPageSize)
    problems['first'] = `expected an integer from 1 to ${maxPageSize}, got ${args.first}`;
  if (args.after != null && !isUuid(args.after)) problems['after'] = 'expected the id of the last row of a page';
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
  return {
    where: args.after == null ? {} : { id: { $gt: args.after.toLowerCase() } },
    options: { orderBy: { id: 'asc' as const }, limit: args.first },
  };
}
