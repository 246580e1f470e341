import { dateTimeScalar, isUuid, publishCommitted } from '@curbside/subgraph-kit';
import type { Resolvers } from './generated/resolvers.ts';
import { fixOf, subscribeVendorLocation, subscribeVendorsNearby, type LocationEvent } from './live.ts';
import { locationHistory, updateVendorLocation, vendorsNearby, type LocationDeps } from './locations.ts';

/** The vendor's position as stored now (one batched query per event); the event's own if the row is gone. */

export function makeResolvers(deps: LocationDeps): Resolvers {
  return {
    DateTime: dateTimeScalar,
    Query: {
      vendorsNearby: (_root, args) => vendorsNearby(deps.geo, args),
    },
    Mutation: {
      updateVendorLocation: async (_root, { input }, { em, viewer, logger }) => {
        const fix = await updateVendorLocation(em, deps, viewer, input);
        await publishCommitted(deps.pubsub, logger, 'vendor.location', fix.vendorId, {
          ...fix,
          updatedAt: fix.updatedAt.toISOString(),
        });
        return fix;
      },
    },
    Subscription: {
      vendorLocationUpdated: {
        subscribe: (_root, { vendorId }, context) => subscribeVendorLocation(context, deps, vendorId),
        // Each event is the position of that update, as committed: delivered as it is, so two quick updates
        // arrive as two positions (reading the current row would deliver the newer one twice).
        resolve: (event: LocationEvent) => fixOf(event),
      },
      vendorsNearbyUpdated: {
        subscribe: (_root, circle, context) => subscribeVendorsNearby(context, deps, circle),
        resolve: (event: LocationEvent) => fixOf(event),
      },
    },
    Vendor: {
      __resolveReference: ({ id }) => ({ id }),
      location: ({ id }, _args, { loaders }) => (isUuid(id) ? loaders.positionByVendorId.load(id.toLowerCase()) : null),
      locationHistory: ({ id }, args, { em, viewer }) => locationHistory(em, viewer, id, args),
    },
    VendorLocation: {
      vendor: (fix) => ({ id: fix.vendorId }),
    },
  };
}
