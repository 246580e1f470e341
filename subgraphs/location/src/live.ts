import type { EntityManager } from '@mikro-orm/postgresql';
import { checkId, liveEvents, liveEventsOfAll, type LiveReplay, type SubscribeMode } from '@curbside/subgraph-kit';
import type { LocationFix } from './entities.ts';
import { checkCircle, vendorCopyOf, type LocationDeps } from './locations.ts';

/** Redis's own earth radius (GEOSEARCH uses it), so a live filter agrees with vendorsNearby: meters. */
const earthRadiusMeters = 6_372_797.560856;

/** Great-circle distance between two points, in meters (haversine). */
export function distanceMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const radians = Math.PI / 180;
  const dLat = (b.lat - a.lat) * radians;
  const dLng = (b.lng - a.lng) * radians;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * radians) * Math.cos(b.lat * radians) * Math.sin(dLng / 2) ** 2;
  return 2 * earthRadiusMeters * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A `vendor.location` event as the position it announces. */
export interface LocationEvent {
  vendorId: string;
  lat: number;
  lng: number;
  accuracyMeters: number | null;
  updatedAt: string;
}

export const fixOf = (event: LocationEvent): LocationFix => ({ ...event, updatedAt: new Date(event.updatedAt) });

/** The positions of one vendor from now on; NOT_FOUND for a vendor this subgraph does not know. */
export async function subscribeVendorLocation(
  context: { em: EntityManager; replay: LiveReplay | null; subscribeMode: SubscribeMode },
  deps: LocationDeps,
  vendorId: string,
) {
  const id = checkId(vendorId, 'vendorId');
  await vendorCopyOf(context.em, id);
  return liveEvents(deps.pubsub, context, 'vendor.location', id);
}

/**
 * The positions landing inside a circle, from now on: every process shares one pattern subscription to all
 * vendors' positions, and each subscriber keeps those inside its own circle.
 */
export async function subscribeVendorsNearby(
  context: { replay: LiveReplay | null; subscribeMode: SubscribeMode },
  deps: LocationDeps,
  circle: { lat: number; lng: number; radiusMeters: number },
) {
  checkCircle(circle);
  const center = { lat: circle.lat, lng: circle.lng };
  return liveEventsOfAll(deps.pubsub, context, 'vendor.location', {
    filter: (event) => distanceMeters(center, event) <= circle.radiusMeters,
  });
}
