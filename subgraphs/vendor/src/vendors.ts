import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import { badUserInput, notFound, type FieldProblems } from '@curbside/errors';
import {
  checkId,
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

/** Trims and checks the fields present; `null` for a field that cannot be cleared is an error too. */
function checkChanges(changes: VendorChanges): { name?: string; description?: string; category?: Category } {
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
  };
}

async function findOwnedVendor(em: EntityManager, viewer: Viewer | null, id: string): Promise<VendorEntity> {
  requireViewer(viewer);
  const vendor = await em.findOne(Vendor, { id: checkId(id) });
  if (!vendor) throw notFound(`Vendor ${id}`);
  requireOwnerOrAdmin(viewer, vendor.ownerId);
  return vendor;
}

export async function createVendor(
  em: EntityManager,
  viewer: Viewer | null,
  input: { name: string; description?: string | null; category: Category },
): Promise<VendorEntity> {
  const owner = requireViewer(viewer);
  const fields = checkChanges({ name: input.name, description: input.description ?? '', category: input.category });
  const now = new Date();
  const vendor = em.create(Vendor, {
    id: randomUUID(),
    ownerId: owner.userId,
    name: fields.name!,
    description: fields.description ?? '',
    category: fields.category!,
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

export interface VendorFilter {
  category?: Category | null | undefined;
  ownerId?: string | null | undefined;
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
