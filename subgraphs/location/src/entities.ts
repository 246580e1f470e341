import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { OutboxEvent } from '@curbside/subgraph-kit';

/**
 * This subgraph's copy of what it needs from vendors (owner, open state), fed by the vendor subgraph's
 * events. `version` is the time of the last event applied: an older event arriving late changes nothing.
 * A deleted vendor stays as a tombstone so that a late event cannot bring it back.
 */
export const VendorCopy = defineEntity({
  name: 'VendorCopy',
  tableName: 'vendor_copy',
  properties: {
    vendorId: p.uuid().primary(),
    ownerId: p.uuid(),
    isOpen: p.boolean(),
    deleted: p.boolean(),
    version: p.datetime(),
  },
});
export type VendorCopyEntity = InferEntity<typeof VendorCopy>;

/** The latest position of a vendor: the source of truth the geo index is built from. */
export const VendorPosition = defineEntity({
  name: 'VendorPosition',
  tableName: 'vendor_location',
  properties: {
    vendorId: p.uuid().primary(),
    lat: p.double().runtimeType('number').$type<number>(),
    lng: p.double().runtimeType('number').$type<number>(),
    accuracyMeters: p.double().runtimeType('number').$type<number>().nullable(),
    updatedAt: p.datetime(),
  },
});
export type VendorPositionEntity = InferEntity<typeof VendorPosition>;

export const VendorPositionHistory = defineEntity({
  name: 'VendorPositionHistory',
  tableName: 'vendor_location_history',
  properties: {
    id: p.uuid().primary(),
    vendorId: p.uuid(),
    lat: p.double().runtimeType('number').$type<number>(),
    lng: p.double().runtimeType('number').$type<number>(),
    accuracyMeters: p.double().runtimeType('number').$type<number>().nullable(),
    createdAt: p.datetime(),
  },
});
export type VendorPositionHistoryEntity = InferEntity<typeof VendorPositionHistory>;

/** A position as the schema's VendorLocation shows it, current or past. */
export interface LocationFix {
  vendorId: string;
  lat: number;
  lng: number;
  accuracyMeters: number | null;
  updatedAt: Date;
}

export interface VendorReference {
  id: string;
}

export interface NearbyVendorResult {
  vendor: VendorReference;
  distanceMeters: number;
}

export const entities = [VendorCopy, VendorPosition, VendorPositionHistory, OutboxEvent];
