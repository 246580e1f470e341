import { dateTimeScalar, isUuid } from '@curbside/subgraph-kit';
import type { Resolvers } from './generated/resolvers.ts';
import { locationHistory, updateVendorLocation, vendorsNearby, type LocationDeps } from './locations.ts';

export function makeResolvers(deps: LocationDeps): Resolvers {
  return {
    DateTime: dateTimeScalar,
    Query: {
      vendorsNearby: (_root, args) => vendorsNearby(deps.geo, args),
    },
    Mutation: {
      updateVendorLocation: (_root, { input }, { em, viewer }) => updateVendorLocation(em, deps, viewer, input),
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
