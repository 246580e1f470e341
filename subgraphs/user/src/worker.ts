import { defineEventHandler } from '@curbside/event-bus';
import { publishCommitted, type SubgraphWorkerModule } from '@curbside/subgraph-kit';
import { entities } from './entities.ts';
import { migrations } from './migrations/index.ts';
import { forgetClosedAccount, handleNotificationEvent } from './notification-events.ts';

/**
 * The user subgraph's background work, run by the workers deployable: notifications (with the copy of vendor
 * followers they need) and the removal of a closed account's notifications.
 */
export const userWorkerModule: SubgraphWorkerModule = {
  subgraph: 'user',
  entities,
  migrations,
  handlers: ({ orm, pubsub, logger }) => [
    defineEventHandler({
      queue: 'user.notifications',
      async handle(event) {
        const stored = await handleNotificationEvent(orm.em.fork(), event);
        // Committed by now. Only what this delivery stored is published, so a redelivered event is not shown
        // twice; a delivery that dies before publishing leaves the notification stored, for the next query.
        await Promise.all(
          stored.map(({ id, recipientId }) =>
            publishCommitted(pubsub, logger, 'notification.received', recipientId, {
              notificationId: id,
              recipientId,
            }),
          ),
        );
      },
    }),
    defineEventHandler({ queue: 'user.account-cleanup', handle: (event) => forgetClosedAccount(orm.em.fork(), event) }),
  ],
};
