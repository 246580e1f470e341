import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventOfQueue } from '@curbside/events';

/** The events of the `post.follow-copy` queue. */
export type FollowCopyEvent = EventOfQueue<'post.follow-copy'>;

/**
 * Makes the events about one account apply one after the other, whichever workers run them: a follow event
 * and that account's closure handled at the same moment would otherwise each miss the other's uncommitted
 * row, leaving a follow of a closed account. The locks last until the transaction ends.
 */
async function lockAccounts(tx: EntityManager, userIds: string[]): Promise<void> {
  // Always in the same order, so two transactions locking the same pair never wait for each other.
  for (const userId of [...new Set(userIds)].sort()) {
    await tx.execute(`select pg_advisory_xact_lock(hashtextextended('follow-copy:' || ?, 0))`, [userId]);
  }
}

/**
 * Applies a follow event to the copies (see UserFollowCopy, VendorFollowCopy). Idempotent and order-safe: a
 * row only changes for an event newer than the last one applied (`version`; on a tie, not following wins, so
 * the result never depends on the order of delivery), and nothing about a closed account is written again.
 */
export async function applyFollowEvent(em: EntityManager, event: FollowCopyEvent): Promise<void> {
  const version = new Date(event.occurredAt);
  await em.transactional(async (tx) => {
    switch (event.name) {
      case 'user.followed':
      case 'user.unfollowed': {
        const { followerId, followeeId } = event.payload;
        await lockAccounts(tx, [followerId, followeeId]);
        await tx.execute(
          `insert into user_follow_copy (follower_id, followee_id, following, version)
           select ?, ?, ?, ? where not exists (select 1 from closed_account_copy where user_id in (?))
           on conflict (follower_id, followee_id) do update set following = excluded.following, version = excluded.version
           where user_follow_copy.version < excluded.version
              or (user_follow_copy.version = excluded.version and not excluded.following)`,
          [followerId, followeeId, event.name === 'user.followed', version, [followerId, followeeId]],
        );
        return;
      }
      case 'vendor.followed':
      case 'vendor.unfollowed': {
        const { userId, vendorId } = event.payload;
        await lockAccounts(tx, [userId]);
        await tx.execute(
          `insert into vendor_follow_copy (user_id, vendor_id, following, version)
           select ?, ?, ?, ? where not exists (select 1 from closed_account_copy where user_id = ?)
           on conflict (user_id, vendor_id) do update set following = excluded.following, version = excluded.version
           where vendor_follow_copy.version < excluded.version
              or (vendor_follow_copy.version = excluded.version and not excluded.following)`,
          [userId, vendorId, event.name === 'vendor.followed', version, userId],
        );
        return;
      }
      case 'user.deleted': {
        const { userId } = event.payload;
        await lockAccounts(tx, [userId]);
        await tx.execute(
          'insert into closed_account_copy (user_id, closed_at) values (?, ?) on conflict (user_id) do nothing',
          [userId, version],
        );
        // Two statements, so that each reads its own index (follower: primary key; followee: its index).
        await tx.execute('delete from user_follow_copy where follower_id = ?', [userId]);
        await tx.execute('delete from user_follow_copy where followee_id = ?', [userId]);
        await tx.execute('delete from vendor_follow_copy where user_id = ?', [userId]);
        return;
      }
    }
  });
}
