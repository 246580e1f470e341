import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { OutboxEvent } from '@curbside/subgraph-kit';

export const vendorCategories = ['FOOD_TRUCK', 'MARKET_STALL', 'CAFE', 'RESTAURANT', 'OTHER'] as const;

export const Vendor = defineEntity({
  name: 'Vendor',
  tableName: 'vendor',
  properties: {
    id: p.uuid().primary(),
    /** The user (owned by the user subgraph) who runs this vendor. */
    ownerId: p.uuid(),
    name: p.string(),
    description: p.text(),
    category: p.enum(vendorCategories),
    /** New vendors start closed. */
    isOpen: p.boolean().default(false),
    /** When the vendor last opened; null while closed. */
    openedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type VendorEntity = InferEntity<typeof Vendor>;

/** A user following a vendor; at most one row per pair. */
export const VendorFollow = defineEntity({
  name: 'VendorFollow',
  tableName: 'vendor_follow',
  properties: {
    vendorId: p.uuid().primary(),
    /** The follower (owned by the user subgraph). */
    userId: p.uuid().primary(),
    createdAt: p.datetime(),
  },
});
export type VendorFollowEntity = InferEntity<typeof VendorFollow>;

/** A user as this subgraph knows it: only the key; the user subgraph owns the rest. */
export interface UserReference {
  id: string;
}

export const entities = [Vendor, VendorFollow, OutboxEvent];
