import { describe, expect, it } from 'vitest';
import { checkPageSize, decodeCursor, emptyConnection, encodeCursor, toConnection } from './pagination.ts';

describe('cursors and connections', () => {
  it('round-trips a cursor and refuses a forged one with BAD_USER_INPUT', () => {
    const cursor = { createdAt: new Date('2026-11-21T10:00:00.000Z'), id: '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    const foreignId = Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), "1' or 1=1"])).toString('base64url');
    expect(() => decodeCursor(foreignId)).toThrow(/cursor/);
    expect(() => decodeCursor('bm90LWpzb24')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    );
  });

  it('limits first to 1..100', () => {
    expect(checkPageSize(100)).toBe(100);
    expect(() => checkPageSize(0)).toThrow(/1 to 100/);
    expect(() => checkPageSize(101)).toThrow(/1 to 100/);
  });

  it('uses the extra row only to say there is a next page', () => {
    const rows = [1, 2, 3].map((n) => ({ id: String(n), createdAt: new Date(3000 - n) }));
    const page = toConnection(rows, 2);
    expect(page.edges.map((edge) => edge.node.id)).toEqual(['1', '2']);
    expect(page.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: page.edges[0]!.cursor,
      endCursor: page.edges[1]!.cursor,
    });
    expect(toConnection(rows, 3).pageInfo.hasNextPage).toBe(false);
  });

  it('pages forward only: never a previous page, and no cursors on an empty page', () => {
    const rows = [1, 2].map((n) => ({ id: String(n), createdAt: new Date(3000 - n) }));
    expect(toConnection(rows.slice(1), 1).pageInfo.hasPreviousPage).toBe(false);
    expect(emptyConnection()).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });
});
