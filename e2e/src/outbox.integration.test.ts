import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, ensureDatabase, openOrm, recordEvent, type Orm } from '@curbside/subgraph-kit';
import { entities, migrations, Vendor } from '@curbside/vendor-subgraph';
import { postgresUrl, queryRows, testDatabasePrefix } from './index.ts';

let orm: Orm;
let url: string;
beforeAll(async () => {
  const name = `${testDatabasePrefix()}outbox`;
  await ensureDatabase(postgresUrl, name);
  url = databaseUrl(postgresUrl, name);
  orm = await openOrm({ databaseUrl: url, entities, migrations });
});
afterAll(async () => {
  await orm?.close();
});

const vendorRow = (name: string) => ({
  id: randomUUID(),
  ownerId: randomUUID(),
  name,
  description: '',
  category: 'CAFE' as const,
  createdAt: new Date(),
  updatedAt: new Date(),
});

describe('the outbox shares the transaction of the change', () => {
  it('keeps the event when the change commits', async () => {
    const em = orm.em.fork();
    const vendor = em.create(Vendor, vendorRow('Atomic'));
    recordEvent(em, 'vendor.created', {
      vendorId: vendor.id,
      ownerId: vendor.ownerId,
      name: 'Atomic',
      description: '',
      category: 'CAFE',
      isOpen: false,
    });
    await em.flush();
    expect(
      await queryRows(url, "select 1 from outbox_event where payload->>'vendorId' = $1", [vendor.id]),
    ).toHaveLength(1);
  });

  it('leaves no event when the change is rolled back by the database', async () => {
    const em = orm.em.fork();
    // The event is flushed together with a row the database refuses (name longer than its column).
    const vendor = em.create(Vendor, vendorRow('x'.repeat(101)));
    recordEvent(em, 'vendor.created', {
      vendorId: vendor.id,
      ownerId: vendor.ownerId,
      name: vendor.name,
      description: '',
      category: 'CAFE',
      isOpen: false,
    });
    await expect(em.flush()).rejects.toThrow(/too long/);
    expect(
      await queryRows(url, "select 1 from outbox_event where payload->>'vendorId' = $1", [vendor.id]),
    ).toHaveLength(0);
    expect(await queryRows(url, 'select 1 from vendor where id = $1', [vendor.id])).toHaveLength(0);
  });

  it('refuses an event whose payload does not match its declared schema', () => {
    const em = orm.em.fork();
    expect(() => recordEvent(em, 'vendor.deleted', { vendorId: 'not-a-uuid', ownerId: randomUUID() })).toThrow();
  });
});
