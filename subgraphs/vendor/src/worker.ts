import { defineEventHandler } from '@curbside/event-bus';
import { publishCommitted, type SubgraphWorkerModule } from '@curbside/subgraph-kit';
import { entities } from './entities.ts';
import { migrations } from './migrations/index.ts';
import { removeAccountVendors } from './vendors.ts';

/** The vendor subgraph's background work: a closed account's vendors and vendor follows go. */
export const vendorWorkerModule: SubgraphWorkerModule = {
  subgraph: 'vendor',
  entities,
  migrations,
  handlers: ({ orm, logger, pubsub }) => [
    defineEventHandler({
      queue: 'vendor.account-cleanup',
      async handle(event) {
        const deleted = await removeAccountVendors(orm.em.fork(), event.payload.userId);
        // Committed: vendorStatusChanged subscribers get NOT_FOUND, as after deleteVendor.
        for (const vendorId of deleted) await publishCommitted(pubsub, logger, 'vendor.status', vendorId, { vendorId });
        if (deleted.length > 0)
          logger.info({ userId: event.payload.userId, vendors: deleted.length }, 'account vendors removed');
      },
    }),
  ],
};
