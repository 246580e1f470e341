import { dateTimeScalar, isUuid, selectsPath } from '@curbside/subgraph-kit';
import type { RequestContext } from './context.ts';
import type { Resolvers } from './generated/resolvers.ts';
import type { VendorEntity } from './entities.ts';
import {
  createVendor,
  deleteVendor,
  followedVendorsKey,
  followVendor,
  listVendors,
  setVendorOpen,
  unfollowVendor,
  updateVendor,
} from './vendors.ts';

/** A follow or unfollow changes what these loaders may already hold for the vendor in this request. */
function forgetFollows({ loaders }: RequestContext, vendor: VendorEntity): VendorEntity {
  loaders.followerCountByVendorId.clear(vendor.id);
  loaders.viewerFollowsByVendorId.clear(vendor.id);
  loaders.followedVendors.clearAll();
  return vendor;
}

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
    openVendor: (_root, { id }, { em, viewer }) => setVendorOpen(em, viewer, id, true),
    closeVendor: (_root, { id }, { em, viewer }) => setVendorOpen(em, viewer, id, false),
    followVendor: async (_root, { vendorId }, context) =>
      forgetFollows(context, await followVendor(context.em, context.viewer, vendorId)),
    unfollowVendor: async (_root, { vendorId }, context) =>
      forgetFollows(context, await unfollowVendor(context.em, context.viewer, vendorId)),
  },
  Vendor: {
    __resolveReference: ({ id }, { loaders }) => (isUuid(id) ? loaders.vendorById.load(id.toLowerCase()) : null),
    owner: (vendor) => ({ id: vendor.ownerId }),
    followerCount: (vendor, _args, { loaders }) => loaders.followerCountByVendorId.load(vendor.id),
    viewerFollows: (vendor, _args, { loaders }) => loaders.viewerFollowsByVendorId.load(vendor.id),
  },
  User: {
    __resolveReference: ({ id }) => ({ id }),
    vendors: (user, _args, { loaders }) =>
      isUuid(user.id) ? loaders.vendorsByOwnerId.load(user.id.toLowerCase()) : [],
    followedVendors: async (user, args, { loaders }) => {
      const key = followedVendorsKey(user.id, args);
      if (!isUuid(user.id)) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
      const connection = await loaders.followedVendors.load(key);
      for (const { node } of connection.edges) loaders.vendorById.prime(node.id, node);
      return connection;
    },
  },
};
