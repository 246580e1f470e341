import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, EventNamed, EventOfQueue } from '@curbside/events';
import type { NotificationKind } from './entities.ts';

/** The events of the `user.notifications` queue. */
export type NotificationEvent = EventOfQueue<'user.notifications'>;

/** A notification this delivery of an event stored: whom to tell live once the transaction has committed. */
export interface StoredNotification {
  id: string;
  recipientId: string;
}

/** The recipients of a notification: SQL selecting user ids (a list `?` or a subquery), with its parameters. */
interface Recipients {
  sql: string;
  params: unknown[];
}

/**
 * Stores one `kind` notification from `event` for each recipient, and returns those stored now. Left out: the
 * actor themself (nobody is told of their own action), closed accounts (recipients and actors), and recipients
 * this event already notified, so a redelivered event stores and returns nothing. The actor's row is locked
 * (shared) until the transaction ends: a closure of the actor's account commits either before, and this
 * statement then sees it, or after, and its cleanup (`forgetClosedAccount`) then sees the rows stored here.
 * Recipients are not locked: one closing in the same instant could keep a notification no one can read.
 */
async function store(
  tx: EntityManager,
  event: EventEnvelope,
  notification: { kind: NotificationKind; actorId: string; postId?: string | null; vendorId?: string | null },
  recipients: Recipients,
): Promise<StoredNotification[]> {
  const rows = await tx.execute<{ id: string; recipient_id: string }[]>(
    `insert into notification (id, recipient_id, kind, actor_id, post_id, vendor_id, source_event_id, created_at)
     select gen_random_uuid(), recipient.id, ?, actor.id, ?::uuid, ?::uuid, ?, ?
     from app_user actor
     join app_user recipient
       on recipient.id in (${recipients.sql}) and recipient.deleted_at is null and recipient.id <> actor.id
     where actor.id = ? and actor.deleted_at is null
     for share of actor
     on conflict (source_event_id, recipient_id) do nothing
     returning id, recipient_id`,
    [
      notification.kind,
      notification.postId ?? null,
      notification.vendorId ?? null,
      event.id,
      new Date(event.occurredAt),
      ...recipients.params,
      notification.actorId,
    ],
  );
  return rows.map((row) => ({ id: row.id, recipientId: row.recipient_id }));
}

const oneUser = (userId: string): Recipients => ({ sql: '?', params: [userId] });

/**
 * Applies a vendor follow event to the copy (see VendorFollowerCopy). Idempotent and order-safe: a row only
 * changes for an event newer than the last one applied (on a tie, not following wins, whatever the order of
 * delivery). Nothing is written for a closed account: its row is locked (shared) like an actor's in `store`.
 */
async function applyVendorFollow(
  tx: EntityManager,
  event: EventNamed<'vendor.followed' | 'vendor.unfollowed'>,
  following: boolean,
): Promise<void> {
  const { vendorId, userId } = event.payload;
  await tx.execute(
    `insert into vendor_follower_copy (vendor_id, user_id, following, version)
     select ?, follower.id, ?, ? from app_user follower where follower.id = ? and follower.deleted_at is null
     for share
     on conflict (vendor_id, user_id) do update set following = excluded.following, version = excluded.version
     where vendor_follower_copy.version < excluded.version
        or (vendor_follower_copy.version = excluded.version and not excluded.following)`,
    [vendorId, following, new Date(event.occurredAt), userId],
  );
}

/**
 * Handles one event of the `user.notifications` queue in one transaction: stores the notifications it makes
 * (or updates the vendor follower copy) and returns the notifications stored by this delivery, to be published
 * once committed. Idempotent: handling the same event again stores nothing and returns nothing.
 */
export async function handleNotificationEvent(
  em: EntityManager,
  event: NotificationEvent,
): Promise<StoredNotification[]> {
  const occurredAt = new Date(event.occurredAt);
  return em.transactional(async (tx) => {
    switch (event.name) {
      case 'user.followed': {
        const { followerId, followeeId } = event.payload;
        return store(tx, event, { kind: 'NEW_FOLLOWER', actorId: followerId }, oneUser(followeeId));
      }
      case 'post.liked': {
        const { postId, userId, authorId } = event.payload;
        return store(tx, event, { kind: 'POST_LIKED', actorId: userId, postId }, oneUser(authorId));
      }
      case 'comment.added': {
        const { postId, authorId, postAuthorId, participantIds } = event.payload;
        const toPostAuthor = await store(
          tx,
          event,
          { kind: 'POST_COMMENTED', actorId: authorId, postId },
          oneUser(postAuthorId),
        );
        // The post's author may have commented too: the one notification per event and recipient is theirs.
        const others = participantIds.filter((id) => id !== postAuthorId);
        if (others.length === 0) return toPostAuthor;
        const toParticipants = await store(
          tx,
          event,
          { kind: 'ALSO_COMMENTED', actorId: authorId, postId },
          { sql: '?', params: [others] },
        );
        return [...toPostAuthor, ...toParticipants];
      }
      case 'post.created': {
        const { postId, authorId, vendorId } = event.payload;
        // The author's followers, and the vendor's when the post was made as one (each told once). Only those
        // already following when it was posted: the event may be handled after someone followed since.
        return store(
          tx,
          event,
          { kind: 'NEW_POST', actorId: authorId, postId, vendorId },
          {
            sql: `select follower_id from user_follow where followee_id = ? and created_at <= ?
                  union
                  select user_id from vendor_follower_copy
                  where vendor_id = ?::uuid and following and version <= ?`,
            params: [authorId, occurredAt, vendorId, occurredAt],
          },
        );
      }
      case 'vendor.opened': {
        const { vendorId, ownerId } = event.payload;
        return store(
          tx,
          event,
          { kind: 'VENDOR_OPENED', actorId: ownerId, vendorId },
          {
            sql: 'select user_id from vendor_follower_copy where vendor_id = ? and following and version <= ?',
            params: [vendorId, occurredAt],
          },
        );
      }
      case 'vendor.followed':
      case 'vendor.unfollowed':
        await applyVendorFollow(tx, event, event.name === 'vendor.followed');
        return [];
    }
  });
}

/**
 * A closed account (`user.deleted`): its notifications, those it is the actor of, and its vendor follows are
 * removed. Idempotent. Events about it arriving later store nothing (see `store` and `applyVendorFollow`).
 */
export async function forgetClosedAccount(em: EntityManager, event: EventOfQueue<'user.account-cleanup'>) {
  const { userId } = event.payload;
  await em.transactional(async (tx) => {
    // Separate statements, so that each reads its own index.
    await tx.execute('delete from notification where recipient_id = ?', [userId]);
    await tx.execute('delete from notification where actor_id = ?', [userId]);
    await tx.execute('delete from vendor_follower_copy where user_id = ?', [userId]);
  });
}
