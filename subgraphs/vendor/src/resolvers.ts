import { dateTimeScalar, isUuid, selectsPath } from '@curbside/subgraph-kit';
import type { Resolvers } from './generated/resolvers.ts';
import { createVendor, deleteVendor, listVendors, updateVendor } from './vendors.ts';

export const resolvers: Resolvers = {
  DateTime: dateTimeScalar,
  Query: {
    vendor: (_root, { id }, { loaders }) => (isUuid(id) ? loaders.vendorById.load(id.toLowerCase()) : null),
    vendors: async (_root, args, { em, loaders }, info) => {
      const { connection, vendorsByOwner } = await listVendors(em, args, {
        withOwnersVendors: selectsPath(info, ['edges', 'node', 'owner', 'vendors']),
      });
      // Later lookups in this request (entity fetches, owner { vendors }) then cost no query.
      for (const { node } of connection.edges) loaders.vendorById.prime(node.id, node);
      for (const [ownerId, vendors] of vendorsByOwner ?? []) loaders.vendorsByOwnerId.prime(ownerId, vendors);
      return connection;
    },
  },
  Mutation: {
    createVendor: (_root, { input }, { em, viewer }) => createVendor(em, viewer, input),
    updateVendor: (_root, { id, input }, { em, viewer }) => updateVendor(em, viewer, id, input),
    deleteVendor: (_root, { id }, { em, viewer }) => deleteVendor(em, viewer, id),
  },
  Vendor: {
    __resolveReference: ({ id }, { loaders }) => (isUuid(id) ? loaders.vendorById.load(id.toLowerCase()) : null),
    owner: (vendor) => ({ id: vendor.ownerId }),
  },
  User: {
    __resolveReference: ({ id }) => ({ id }),
    vendors: (user, _args, { loaders }) =>
      isUuid(user.id) ? loaders.vendorsByOwnerId.load(user.id.toLowerCase()) : [],
  },
};
