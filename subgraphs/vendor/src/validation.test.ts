import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import { outcomeWithinHangGuard } from '@curbside/fixtures';
import { describe, expect, it } from 'vitest';
import { followedVendorsKey } from './follows.ts';
import { checkChanges, listVendors, updateVendor } from './vendors.ts';

const megabyte = 1 << 20;

/** Fails whatever touches it: these inputs must be refused before any query. */
const noDatabase = new Proxy({} as EntityManager, {
  get: (_target, key) => {
    throw new Error(`the database was used (${String(key)}) before the input was refused`);
  },
});

const viewer: Viewer = {
  userId: '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11',
  role: 'USER',
  sessionId: '7f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11',
  expiresAt: 0,
};

const refused = (fields: Record<string, unknown>) =>
  expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields }) });

const hostile = ['a'.repeat(megabyte), `${' '.repeat(megabyte)}x`, `%_\\${'%_'.repeat(megabyte / 2)}`];

describe('vendor input on hostile sizes', () => {
  it('refuses a megabyte-long name or description before trimming it', async () => {
    expect(checkChanges({ name: '  Taco Truck  ', description: ` ${'d'.repeat(2_000)} ` })).toEqual({
      name: 'Taco Truck',
      description: 'd'.repeat(2_000),
    });
    for (const value of hostile) {
      expect(await outcomeWithinHangGuard(() => checkChanges({ name: value, description: value }))).toEqual(
        refused({ name: expect.stringContaining('at most 100'), description: expect.stringContaining('at most 2000') }),
      );
      expect(
        await outcomeWithinHangGuard(() => updateVendor(noDatabase, viewer, viewer.userId, { name: value })),
      ).toEqual(refused({ name: expect.any(String) }));
    }
  });

  it('refuses a megabyte-long search, owner id or cursor before any query', async () => {
    for (const value of hostile) {
      expect(
        await outcomeWithinHangGuard(() => listVendors(noDatabase, { first: 10, filter: { search: value } })),
      ).toEqual(refused({ 'filter.search': expect.stringContaining('at most 100') }));
      expect(
        await outcomeWithinHangGuard(() => listVendors(noDatabase, { first: 10, filter: { ownerId: value } })),
      ).toEqual(refused({ 'filter.ownerId': expect.stringContaining('expected a UUID') }));
      expect(await outcomeWithinHangGuard(() => listVendors(noDatabase, { first: 10, after: value }))).toEqual(
        refused({ after: expect.any(String) }),
      );
      expect(
        await outcomeWithinHangGuard(() => followedVendorsKey(viewer.userId, { first: 10, after: value })),
      ).toEqual(refused({ after: expect.any(String) }));
    }
  });
});
