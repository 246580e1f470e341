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
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type VendorEntity = InferEntity<typeof Vendor>;

/** A user as this subgraph knows it: only the key; the user subgraph owns the rest. */
export interface UserReference {
  id: string;
}

export const entities = [Vendor, OutboxEvent];
