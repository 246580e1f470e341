import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import { badUserInput, clientError, notFound, type FieldProblems } from '@curbside/errors';
import type { LivePubSub } from '@curbside/subgraph-kit';
import {
  checkId,
  checkPageSize,
  decodeCursor,
  requireOwnerOrAdmin,
  requireViewer,
  toConnection,
  type Connection,
} from '@curbside/subgraph-kit';
import type { GeoIndex } from './geo-index.ts';
import type { UpdateWindow } from './update-window.ts';
import {
  VendorCopy,
  VendorPosition,
  VendorPositionHistory,
  type LocationFix,
  type NearbyVendorResult,
  type VendorCopyEntity,
} from './entities.ts';

const maxRadiusMeters = 50_000;
const maxAccuracyMeters = 100_000;

/**
 * The latitudes the distance index holds: Redis's geo commands (GEOADD, GEOSEARCH) cover ±85.05112878°, the Web
 * Mercator limit, and refuse the rest; no vendor trades closer to a pole.
 */
export const maxLatitude = 85.05112878;

function checkCoordinates(lat: number, lng: number, problems: FieldProblems): void {
  if (!Number.isFinite(lat) || lat < -maxLatitude || lat > maxLatitude)
    problems['lat'] = `expected a latitude from -${maxLatitude} to ${maxLatitude}, got ${lat}`;
  if (!Number.isFinite(lng) || lng < -180 || lng > 180)
    problems['lng'] = `expected a longitude from -180 to 180, got ${lng}`;
}

export interface LocationDeps {
  /** One accepted update per vendor per second (see makeUpdateWindow). */
  updateWindow: UpdateWindow;
  geo: GeoIndex;
  /** Where accepted positions are published (`vendor.location`) and subscribed to. */
  pubsub: LivePubSub;
}

/** A search circle, checked: BAD_USER_INPUT naming every bad field at once. */
export function checkCircle(args: { lat: number; lng: number; radiusMeters: number }): void {
  const problems: FieldProblems = {};
  checkCoordinates(args.lat, args.lng, problems);
  if (!Number.isFinite(args.radiusMeters) || args.radiusMeters < 1 || args.radiusMeters > maxRadiusMeters) {
    problems['radiusMeters'] = `expected 1 to ${maxRadiusMeters} meters, got ${args.radiusMeters}`;
  }
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
}

/**
 * A position to record, checked: BAD_USER_INPUT naming every bad field at once. Returns the accuracy, null when
 * not given.
 */
export function checkPosition(input: {
  lat: number;
  lng: number;
  accuracyMeters?: number | null | undefined;
}): number | null {
  const problems: FieldProblems = {};
  checkCoordinates(input.lat, input.lng, problems);
  const accuracy = input.accuracyMeters ?? null;
  if (accuracy !== null && (!Number.isFinite(accuracy) || accuracy < 0 || accuracy > maxAccuracyMeters)) {
    problems['accuracyMeters'] = `expected 0 to ${maxAccuracyMeters} meters, got ${accuracy}`;
  }
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
  return accuracy;
}

/** The copy of a vendor this subgraph acts on; NOT_FOUND when unknown or deleted. */
export async function vendorCopyOf(em: EntityManager, vendorId: string): Promise<VendorCopyEntity> {
  const copy = await em.findOne(VendorCopy, { vendorId });
  if (!copy || copy.deleted) throw notFound(`Vendor ${vendorId}`);
  return copy;
}

export async function updateVendorLocation(
  em: EntityManager,
  deps: LocationDeps,
  viewer: Viewer | null,
  input: { vendorId: string; lat: number; lng: number; accuracyMeters?: number | null | undefined },
): Promise<LocationFix> {
  const accuracy = checkPosition(input);
  requireViewer(viewer);
  const vendorId = checkId(input.vendorId, 'vendorId');
  const copy = await vendorCopyOf(em, vendorId);
  requireOwnerOrAdmin(viewer, copy.ownerId);

  // Claimed before writing, released if the write fails: only an accepted update uses the slot.
  const slot = await deps.updateWindow.claim(vendorId);
  if (!slot.claimed) {
    throw clientError(
      'RATE_LIMITED',
      `At most one location update per vendor per second; retry in ${slot.retryAfterMs} ms.`,
      { retryAfterMs: slot.retryAfterMs },
    );
  }
  const fix: LocationFix = {
    vendorId,
    lat: input.lat,
    lng: input.lng,
    accuracyMeters: accuracy,
    updatedAt: new Date(),
  };
  try {
    // One transaction: the position and its history row are written together or not at all (em.upsert alone
    // runs outside the flush's transaction). No domain event is recorded: no queue receives a position, and at
    // one a second per moving vendor the outbox would take 86,400 rows a day per vendor. Subscribers get it
    // live (the `vendor.location` topic, published by the resolver once this commits); history keeps it.
    await em.transactional(async (tx) => {
      await tx.upsert(VendorPosition, fix);
      tx.create(VendorPositionHistory, {
        id: randomUUID(),
        vendorId,
        lat: fix.lat,
        lng: fix.lng,
        accuracyMeters: fix.accuracyMeters,
        createdAt: fix.updatedAt,
      });
    });
  } catch (error) {
    await slot.release().catch(() => undefined);
    throw error;
  }
  // After the commit: PostgreSQL is the truth, and a failed index write is mended by the next rebuild.
  await deps.geo.place({ vendorId, lat: fix.lat, lng: fix.lng, isOpen: copy.isOpen });
  return fix;
}

export async function vendorsNearby(
  geo: GeoIndex,
  args: { lat: number; lng: number; radiusMeters: number; openOnly: boolean; first: number },
): Promise<NearbyVendorResult[]> {
  checkCircle(args);
  const count = checkPageSize(args.first);
  const hits = await geo.search({ ...args, count });
  return hits.map((hit) => ({
    vendor: { id: hit.vendorId },
    distanceMeters: Math.round(hit.distanceMeters * 10) / 10,
  }));
}

export async function locationHistory(
  em: EntityManager,
  viewer: Viewer | null,
  vendorId: string,
  args: { first: number; after?: string | null | undefined },
): Promise<Connection<LocationFix & { id: string; createdAt: Date }>> {
  requireViewer(viewer);
  const copy = await vendorCopyOf(em, checkId(vendorId));
  requireOwnerOrAdmin(viewer, copy.ownerId);
  const first = checkPageSize(args.first);
  const where: Record<string, unknown> = { vendorId: copy.vendorId };
  if (args.after) {
    const cursor = decodeCursor(args.after);
    where['$or'] = [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }];
  }
  const rows = await em.find(VendorPositionHistory, where, {
    orderBy: { createdAt: 'desc', id: 'desc' },
    limit: first + 1,
  });
  return toConnection(
    rows.map((row) => ({
      id: row.id,
      createdAt: row.createdAt,
      vendorId: row.vendorId,
      lat: row.lat,
      lng: row.lng,
      accuracyMeters: row.accuracyMeters ?? null,
      updatedAt: row.createdAt,
    })),
    first,
  );
}
