import {
  checkId,
  dateTimeScalar,
  exportPage,
  isUuid,
  publishCommitted,
  selectsPath,
  subscribedEntityGone,
  type LivePubSub,
  liveEvents,
  emptyConnection,
  globalIdOf,
  referenceId,
} from '@curbside/subgraph-kit';
import type { RequestContext } from './context.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { Vendor, type VendorEntity } from './entities.ts';
import { createVendor, deleteVendor, listVendors, setVendorOpen, updateVendor } from './vendors.ts';
import { followedVendorsKey, followVendor, unfollowVendor } from './follows.ts';

/** A follow or unfollow changes what these loaders may already hold for the vendor in this request. */
function forgetFollows({ loaders }: RequestContext, vendor: VendorEntity): VendorEntity {
  loaders.followerCountByVendorId.clear(vendor.id);
  loaders.viewerFollowsByVendorId.clear(vendor.id);
  loaders.followedVendors.clearAll();
  return vendor;
}

export interface ResolverDeps {
  /** Where vendor changes are published (`vendor.status`) and subscribed to. */
  pubsub: LivePubSub;
  /** The most vendors one account may run (see `defaultMaxVendorsPerOwner`). */
  maxVendorsPerOwner: number;
}

/** The vendor, read now with this event's own loaders; NOT_FOUND (ending the stream) once it is deleted. */
async function currentVendor(vendorId: string, { loaders }: RequestContext): Promise<VendorEntity> {
  const vendor = await loaders.vendorById.load(vendorId);
  if (!vendor) throw subscribedEntityGone(`Vendor ${vendorId}`);
  return vendor;
}

export function makeResolvers({ pubsub, maxVendorsPerOwner }: ResolverDeps): Resolvers {
  /** Called once the change committed: the mutation functions return only after their transaction. */
  const announce = async ({ logger }: RequestContext, vendorId: string) =>
    publishCommitted(pubsub, logger, 'vendor.status', vendorId, { vendorId });
  const announced = async (context: RequestContext, vendor: VendorEntity) => {
    await announce(context, vendor.id);
    return vendor;
  };
  return {
    DateTime: dateTimeScalar,
    Query: {
      searchExportVendors: async (_root, args, { em }) => {
        const { where, options } = exportPage(args);
        const vendors = await em.find(Vendor, where, options);
        return vendors.map(({ id, ownerId, name, description, updatedAt }) => ({
          id,
          ownerId,
          name,
          description,
          updatedAt,
        }));
      },
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
      createVendor: (_root, { input }, { em, viewer }) => createVendor(em, viewer, input, maxVendorsPerOwner),
      updateVendor: async (_root, { id, input }, context) =>
        announced(context, await updateVendor(context.em, context.viewer, id, input)),
      deleteVendor: async (_root, { id }, context) => {
        const deleted = await deleteVendor(context.em, context.viewer, id);
        await announce(context, deleted); // subscribers then get NOT_FOUND, and their stream ends
        return deleted;
      },
      openVendor: async (_root, { id }, context) =>
        announced(context, await setVendorOpen(context.em, context.viewer, id, true)),
      closeVendor: async (_root, { id }, context) =>
        announced(context, await setVendorOpen(context.em, context.viewer, id, false)),
      followVendor: async (_root, { vendorId }, context) =>
        forgetFollows(context, await followVendor(context.em, context.viewer, vendorId)),
      unfollowVendor: async (_root, { vendorId }, context) =>
        forgetFollows(context, await unfollowVendor(context.em, context.viewer, vendorId)),
    },
    Subscription: {
      vendorStatusChanged: {
        subscribe: async (_root, { vendorId }, context) => {
          const id = checkId(vendorId, 'vendorId');
          await currentVendor(id, context);
          return liveEvents(pubsub, context, 'vendor.status', id);
        },
        resolve: (event: { vendorId: string }, _args: unknown, context: RequestContext) =>
          currentVendor(event.vendorId, context),
      },
    },
    Vendor: {
      __resolveReference: (reference, { loaders }) => {
        const id = referenceId(reference);
        return isUuid(id) ? loaders.vendorById.load(id.toLowerCase()) : null;
      },
      globalId: (vendor) => globalIdOf('Vendor', vendor.id),
      nodeKey: (vendor) => vendor.id,
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
        if (!isUuid(user.id)) return emptyConnection();
        const connection = await loaders.followedVendors.load(key);
        for (const { node } of connection.edges) loaders.vendorById.prime(node.id, node);
        return connection;
      },
    },
  };
}
