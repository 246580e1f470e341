import { randomUUID } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import { badUserInput, conflict, notFound, type FieldProblems } from '@curbside/errors';
import {
  checkId,
  checkLengths,
  checkPageSize,
  decodeCursor,
  recordEvent,
  requireOwnerOrAdmin,
  requireViewer,
  toConnection,
  type Connection,
} from '@curbside/subgraph-kit';
import { Vendor, type VendorEntity, vendorCategories } from './entities.ts';

type Category = (typeof vendorCategories)[number];

export interface VendorChanges {
  name?: string | null | undefined;
  description?: string | null | undefined;
  category?: Category | null | undefined;
}

const maxNameLength = 100;
const maxDescriptionLength = 2_000;

/** Bounds the text fields as sent, before any lookup, trimming or pattern reads them. */
function checkChangeLengths(changes: VendorChanges): void {
  checkLengths({
    name: [changes.name, { max: maxNameLength, trimmed: true }],
    description: [changes.description, { max: maxDescriptionLength, trimmed: true }],
  });
}

/** Trims and checks the fields present; `null` for a field that cannot be cleared is an error too. */
export function checkChanges(changes: VendorChanges): { name?: string; description?: string; category?: Category } {
  checkChangeLengths(changes);
  const problems: FieldProblems = {};
  const checked: { name?: string; description?: string; category?: Category } = {};
  if (changes.name !== undefined) {
    const name = changes.name?.trim() ?? '';
    if (name.length < 1 || name.length > maxNameLength) problems['name'] = `expected 1 to ${maxNameLength} characters`;
    else checked.name = name;
  }
  if (changes.description !== undefined) {
    const description = changes.description?.trim() ?? '';
    if (description.length > maxDescriptionLength) {
      problems['description'] = `expected at most ${maxDescriptionLength} characters`;
    } else checked.description = description;
  }
  if (changes.category !== undefined) {
    if (changes.category === null) problems['category'] = `expected one of ${vendorCategories.join(', ')}`;
    else checked.category = changes.category;
  }
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
  return checked;
}

function eventPayload(vendor: VendorEntity) {
  return {
    vendorId: vendor.id,
    ownerId: vendor.ownerId,
    name: vendor.name,
    description: vendor.description,
    category: vendor.category,
    isOpen: vendor.isOpen,
  };
}

/** The vendor `id` names, or NOT_FOUND. `argument` names the argument in a BAD_USER_INPUT for a malformed id. */
export async function findVendor(
  em: EntityManager,
  id: string,
  options: { argument?: string; lockMode?: LockMode } = {},
): Promise<VendorEntity> {
  const vendor = await em.findOne(
    Vendor,
    { id: checkId(id, options.argument) },
    options.lockMode ? { lockMode: options.lockMode } : {},
  );
  if (!vendor) throw notFound(`Vendor ${id}`);
  return vendor;
}

async function findOwnedVendor(
  em: EntityManager,
  viewer: Viewer | null,
  id: string,
  options: { lockMode?: LockMode } = {},
): Promise<VendorEntity> {
  requireViewer(viewer);
  const vendor = await findVendor(em, id, options);
  requireOwnerOrAdmin(viewer, vendor.ownerId);
  return vendor;
}

/**
 * The most vendors one account may run: 10. `User.vendors` is a plain list, so the cost estimate assumes this
 * many (`@listSize(assumedSize: 10)` in the schema), and the cap is what makes that assumption true: without
 * it, an account with a thousand vendors would turn `user { vendors { owner { vendors … } } }`, estimated
 * cheap, into a billion objects.
 */
export const defaultMaxVendorsPerOwner = 10;

export async function createVendor(
  em: EntityManager,
  viewer: Viewer | null,
  input: { name: string; description?: string | null; category: Category },
  maxVendorsPerOwner = defaultMaxVendorsPerOwner,
): Promise<VendorEntity> {
  const owner = requireViewer(viewer);
  const fields = checkChanges({ name: input.name, description: input.description ?? '', category: input.category });
  return em.transactional(async (tx) => {
    // One owner's creations one at a time, so two at once cannot both pass the count below.
    await tx.execute(`select pg_advisory_xact_lock(hashtextextended('vendor-owner:' || ?, 0))`, [owner.userId]);
    if ((await tx.count(Vendor, { ownerId: owner.userId })) >= maxVendorsPerOwner) {
      throw conflict(`An account may run at most ${maxVendorsPerOwner} vendors; delete one first.`);
    }
    return createVendorRow(tx, owner.userId, fields);
  });
}

/** Inserts a vendor with its `vendor.created` event (the caller holds the owner's lock). */
async function createVendorRow(
  em: EntityManager,
  ownerId: string,
  fields: ReturnType<typeof checkChanges>,
): Promise<VendorEntity> {
  const now = new Date();
  const vendor = em.create(Vendor, {
    id: randomUUID(),
    ownerId,
    name: fields.name!,
    description: fields.description ?? '',
    category: fields.category!,
    isOpen: false,
    openedAt: null,
    createdAt: now,
    updatedAt: now,
  });
  recordEvent(em, 'vendor.created', eventPayload(vendor));
  await em.flush();
  return vendor;
}

export async function updateVendor(
  em: EntityManager,
  viewer: Viewer | null,
  id: string,
  changes: VendorChanges,
): Promise<VendorEntity> {
  requireViewer(viewer);
  checkChangeLengths(changes);
  const vendor = await findOwnedVendor(em, viewer, id);
  const fields = checkChanges(changes);
  em.assign(vendor, { ...fields, updatedAt: new Date() });
  recordEvent(em, 'vendor.updated', eventPayload(vendor));
  await em.flush();
  return vendor;
}

export async function deleteVendor(em: EntityManager, viewer: Viewer | null, id: string): Promise<string> {
  const vendor = await findOwnedVendor(em, viewer, id);
  em.remove(vendor);
  recordEvent(em, 'vendor.deleted', { vendorId: vendor.id, ownerId: vendor.ownerId });
  await em.flush();
  return vendor.id;
}

/**
 * A closed account's vendors and vendor follows, removed in one transaction: every follow it made and every
 * follow of its vendors with `vendor.unfollowed` (so the copies of who follows what, fed by follow events,
 * drop them), then each vendor it owned with `vendor.deleted` (as deleteVendor). Idempotent: run again, it
 * finds nothing and records nothing. Returns the ids of the vendors deleted.
 */
export async function removeAccountVendors(em: EntityManager, userId: string): Promise<string[]> {
  return em.transactional(async (tx) => {
    const follows = await tx.execute<{ vendor_id: string; user_id: string }[]>(
      `delete from vendor_follow where user_id = ? or vendor_id in (select id from vendor where owner_id = ?)
       returning vendor_id, user_id`,
      [userId, userId],
    );
    for (const follow of follows) {
      recordEvent(tx, 'vendor.unfollowed', { vendorId: follow.vendor_id, userId: follow.user_id });
    }
    const vendors = await tx.execute<{ id: string }[]>('delete from vendor where owner_id = ? returning id', [userId]);
    for (const { id } of vendors) recordEvent(tx, 'vendor.deleted', { vendorId: id, ownerId: userId });
    return vendors.map((vendor) => vendor.id);
  });
}

/**
 * Opens or closes a vendor (owner or admin). Setting the state it already has changes nothing and records
 * no event. The row is locked for the check, so of two concurrent opens only one records `vendor.opened`.
 */
export async function setVendorOpen(
  em: EntityManager,
  viewer: Viewer | null,
  id: string,
  open: boolean,
): Promise<VendorEntity> {
  requireViewer(viewer);
  return em.transactional(async (tx) => {
    const vendor = await findOwnedVendor(tx, viewer, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (vendor.isOpen === open) return vendor;
    const now = new Date();
    tx.assign(vendor, { isOpen: open, openedAt: open ? now : null, updatedAt: now });
    const at = now.toISOString();
    if (open) recordEvent(tx, 'vendor.opened', { vendorId: vendor.id, ownerId: vendor.ownerId, openedAt: at });
    else recordEvent(tx, 'vendor.closed', { vendorId: vendor.id, ownerId: vendor.ownerId, closedAt: at });
    return vendor;
  });
}

export interface VendorFilter {
  category?: Category | null | undefined;
  ownerId?: string | null | undefined;
  openNow?: boolean | null | undefined;
  search?: string | null | undefined;
}

const maxSearchLength = 100;

/** A `like` pattern matching `text` literally anywhere: `%`, `_` and the escape character `\` are escaped. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

export interface VendorPage {
  connection: Connection<VendorEntity>;
  /** Present when asked for: every vendor of each owner on the page, newest first. */
  vendorsByOwner?: Map<string, VendorEntity[]>;
}

/**
 * Newest first, keyset-paginated: stable while vendors are added. With `withOwnersVendors`, the same
 * single SQL statement also loads every vendor of the page's owners (for `owner { vendors }`), so the
 * page and the nested lists cost one query instead of two.
 */
export async function listVendors(
  em: EntityManager,
  args: { first: number; after?: string | null | undefined; filter?: VendorFilter | null | undefined },
  options: { withOwnersVendors?: boolean } = {},
): Promise<VendorPage> {
  const first = checkPageSize(args.first);
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (args.filter?.category) {
    conditions.push('category = ?');
    params.push(args.filter.category);
  }
  if (args.filter?.ownerId) {
    conditions.push('owner_id = ?');
    params.push(checkId(args.filter.ownerId, 'filter.ownerId'));
  }
  if (typeof args.filter?.openNow === 'boolean') {
    conditions.push('is_open = ?');
    params.push(args.filter.openNow);
  }
  checkLengths({ 'filter.search': [args.filter?.search, { max: maxSearchLength, trimmed: true }] });
  const search = args.filter?.search?.trim();
  if (search && search.length > maxSearchLength) {
    throw badUserInput({ 'filter.search': `expected at most ${maxSearchLength} characters, got ${search.length}` });
  }
  if (search) {
    conditions.push("(name ilike ? escape '\\' or description ilike ? escape '\\')");
    const pattern = containsPattern(search);
    params.push(pattern, pattern);
  }
  if (args.after) {
    const cursor = decodeCursor(args.after);
    conditions.push('(created_at, id) < (?, ?)');
    params.push(cursor.createdAt, cursor.id);
  }
  const where = conditions.length > 0 ? `where ${conditions.join(' and ')}` : '';
  const page = `select * from vendor ${where} order by created_at desc, id desc limit ${first + 1}`;
  if (!options.withOwnersVendors) {
    const rows = await em.execute<Record<string, unknown>[]>(page, params);
    return {
      connection: toConnection(
        rows.map((row) => em.map(Vendor, row)),
        first,
      ),
    };
  }
  const rows = await em.execute<(Record<string, unknown> & { page_rank: number | null })[]>(
    `with page as (${page}),
          ranked as (select id, row_number() over (order by created_at desc, id desc) as page_rank from page)
     select vendor.*, ranked.page_rank from vendor left join ranked on ranked.id = vendor.id
     where vendor.id in (select id from page) or vendor.owner_id in (select owner_id from page)
     order by vendor.created_at desc, vendor.id desc`,
    params,
  );
  const pageRows: { rank: number; vendor: VendorEntity }[] = [];
  const vendorsByOwner = new Map<string, VendorEntity[]>();
  for (const { page_rank: rank, ...row } of rows) {
    const vendor = em.map(Vendor, row);
    if (rank !== null) pageRows.push({ rank: Number(rank), vendor });
    vendorsByOwner.set(vendor.ownerId, [...(vendorsByOwner.get(vendor.ownerId) ?? []), vendor]);
  }
  pageRows.sort((a, b) => a.rank - b.rank);
  return {
    connection: toConnection(
      pageRows.map(({ vendor }) => vendor),
      first,
    ),
    vendorsByOwner,
  };
}
