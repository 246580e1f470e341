import {
  ForeignKeyConstraintViolationException,
  LockMode,
  UniqueConstraintViolationException,
  type EntityManager,
} from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import { badUserInput, notFound } from '@curbside/errors';
import {
  checkPageSize,
  decodeCursor,
  isUuid,
  recordEvent,
  requireViewer,
  toConnection,
  type Connection,
  type Cursor,
} from '@curbside/subgraph-kit';
import { Vendor, VendorFollow, type VendorEntity } from './entities.ts';
import { findVendor } from './vendors.ts';

/**
 * Makes the viewer follow a vendor; following it again changes nothing and records no event. Of two
 * concurrent follows of the same pair, the primary key lets one commit; the other changes nothing.
 */
export async function followVendor(em: EntityManager, viewer: Viewer | null, vendorId: string): Promise<VendorEntity> {
  const { userId } = requireViewer(viewer);
  const vendor = await findVendor(em, vendorId, { argument: 'vendorId' });
  const key = { vendorId: vendor.id, userId };
  try {
    await em.transactional(async (tx) => {
      if (await tx.findOne(VendorFollow, key)) return;
      tx.create(VendorFollow, { ...key, createdAt: new Date() });
      recordEvent(tx, 'vendor.followed', key);
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) return vendor;
    // The vendor was deleted between the lookup and the insert.
    if (error instanceof ForeignKeyConstraintViolationException) throw notFound(`Vendor ${vendorId}`);
    throw error;
  }
  return vendor;
}

/**
 * Makes the viewer stop following a vendor; unfollowing one not followed changes nothing. The follow
 * row is locked for the check, so of two concurrent unfollows only one records `vendor.unfollowed`.
 */
export async function unfollowVendor(
  em: EntityManager,
  viewer: Viewer | null,
  vendorId: string,
): Promise<VendorEntity> {
  const { userId } = requireViewer(viewer);
  const vendor = await findVendor(em, vendorId, { argument: 'vendorId' });
  const key = { vendorId: vendor.id, userId };
  await em.transactional(async (tx) => {
    const follow = await tx.findOne(VendorFollow, key, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!follow) return;
    tx.remove(follow);
    recordEvent(tx, 'vendor.unfollowed', key);
  });
  return vendor;
}

/** One `User.followedVendors` page to load: arguments checked, cursor decoded. */
export interface FollowedVendorsKey {
  userId: string;
  first: number;
  after: Cursor | null;
}

/** Checks `followedVendors` arguments before they reach the loader, so a bad one fails only its own field. */
export function followedVendorsKey(
  userId: string,
  args: { first: number; after?: string | null | undefined },
): FollowedVendorsKey {
  const first = checkPageSize(args.first);
  const after = args.after ? decodeCursor(args.after) : null;
  if (after && !isUuid(after.id)) throw badUserInput({ after: 'expected a cursor returned by this connection' });
  return { userId: userId.toLowerCase(), first, after };
}

/** Sorts after every real follow: the start of a newest-first keyset scan when there is no cursor. */
const beforeFirstFollow = { createdAt: 'infinity', vendorId: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };

/**
 * Pages of followed vendors, most recently followed first, for many users in one SQL statement: each key
 * is a row of a `values` list, and a lateral subquery reads that user's page from the
 * (user_id, created_at desc, vendor_id desc) index. Cursors are positions in the follows (when followed,
 * vendor id), not in the vendors, so following an old vendor puts it first. Results are in key order.
 */
export async function loadFollowedVendors(
  em: EntityManager,
  keys: readonly FollowedVendorsKey[],
): Promise<Connection<VendorEntity>[]> {
  const params = keys.flatMap((key, index) => [
    index,
    key.userId,
    key.after?.createdAt.toISOString() ?? beforeFirstFollow.createdAt,
    key.after?.id ?? beforeFirstFollow.vendorId,
    key.first + 1,
  ]);
  const rows = await em.execute<(Record<string, unknown> & { key_index: number; followed_at: Date | string })[]>(
    `select page.key_index, page.followed_at, vendor.*
     from (values ${keys.map(() => '(?::int, ?::uuid, ?::timestamptz, ?::uuid, ?::int)').join(', ')})
       as wanted (key_index, user_id, after_at, after_id, page_size)
     cross join lateral (
       select wanted.key_index, follow.vendor_id, follow.created_at as followed_at
       from vendor_follow follow
       where follow.user_id = wanted.user_id
         and (follow.created_at, follow.vendor_id) < (wanted.after_at, wanted.after_id)
       order by follow.created_at desc, follow.vendor_id desc
       limit wanted.page_size
     ) page
     join vendor on vendor.id = page.vendor_id
     order by page.key_index, page.followed_at desc, page.vendor_id desc`,
    params,
  );
  const pages = keys.map(() => [] as { createdAt: Date; id: string; vendor: VendorEntity }[]);
  for (const { key_index: keyIndex, followed_at: followedAt, ...row } of rows) {
    const vendor = em.map(Vendor, row);
    pages[Number(keyIndex)]!.push({ createdAt: new Date(followedAt), id: vendor.id, vendor });
  }
  return pages.map((follows, index) => {
    const { edges, pageInfo } = toConnection(follows, keys[index]!.first);
    return { edges: edges.map(({ cursor, node }) => ({ cursor, node: node.vendor })), pageInfo };
  });
}
