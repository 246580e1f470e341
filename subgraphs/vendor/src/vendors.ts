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

/** Newest first, keyset-paginated: stable while vendors are added. */
export async function listVendors(
  em: EntityManager,
  args: { first: number; after?: string | null | undefined; filter?: VendorFilter | null | undefined },
): Promise<Connection<VendorEntity>> {
  const first = checkPageSize(args.first);
  const where: Record<string, unknown> = {};
  if (args.filter?.category) where['category'] = args.filter.category;
  if (args.filter?.ownerId) where['ownerId'] = checkId(args.filter.ownerId, 'filter.ownerId');
  if (args.after) {
    const cursor = decodeCursor(args.after);
    where['$or'] = [
      { createdAt: { $lt: cursor.createdAt } },
      { createdAt: cursor.createdAt, id: { $lt: cursor.id } },
    ];
  }
  const rows = await em.find(Vendor, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 });
  return toConnection(rows, first);
}
