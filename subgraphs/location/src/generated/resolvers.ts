import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { VendorReference, LocationFix, NearbyVendorResult } from '../entities.ts';
import type { RequestContext } from '../context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 date-time in UTC, such as 2026-11-21T18:41:00.000Z. */
  DateTime: { input: Date; output: Date; }
  _FieldSet: { input: unknown; output: unknown; }
};

/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /** Owner or admin; at most one accepted update per vendor per second (RATE_LIMITED with retryAfterMs). */
  updateVendorLocation: VendorLocation;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationUpdateVendorLocationArgs = {
  input: UpdateVendorLocationInput;
};

/** A vendor found near a point, with its distance. */
export type NearbyVendor = {
  __typename?: 'NearbyVendor';
  /** Distance from the searched point, in meters. */
  distanceMeters: Scalars['Float']['output'];
  /** The vendor; its location field gives where it is. */
  vendor: Vendor;
};

/**
 * Where a page sits in its list, as the Relay connection spec has it. Connections page forward only ('first' and
 * 'after'): to read on, pass endCursor as 'after' while hasNextPage is true.
 */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The cursor of the last edge of this page, to pass as 'after' for the next page; null when the page is empty. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Whether more edges follow this page. */
  hasNextPage: Scalars['Boolean']['output'];
  /**
   * Always false: connections page forward only, and the Relay spec lets a page read forward answer false
   * (there is no 'last'/'before' to page back with).
   */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The cursor of the first edge of this page; null when the page is empty. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type Query = {
  __typename?: 'Query';
  /**
   * Vendors within radiusMeters (1 to 50,000) of the point, nearest first; at most 'first' (1 to 100).
   * With openOnly, only vendors open now.
   */
  vendorsNearby: Array<NearbyVendor>;
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QueryVendorsNearbyArgs = {
  first?: Scalars['Int']['input'];
  lat: Scalars['Float']['input'];
  lng: Scalars['Float']['input'];
  openOnly?: Scalars['Boolean']['input'];
  radiusMeters: Scalars['Float']['input'];
};

/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type Subscription = {
  __typename?: 'Subscription';
  /** Each accepted position of the vendor, from now on. NOT_FOUND for an unknown vendor. */
  vendorLocationUpdated: VendorLocation;
  /**
   * Each accepted position of any vendor that lands within radiusMeters (1 to 50,000) of the point, from now on.
   * A vendor leaving the circle sends nothing.
   */
  vendorsNearbyUpdated: VendorLocation;
};


/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type SubscriptionVendorLocationUpdatedArgs = {
  vendorId: Scalars['ID']['input'];
};


/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type SubscriptionVendorsNearbyUpdatedArgs = {
  lat: Scalars['Float']['input'];
  lng: Scalars['Float']['input'];
  radiusMeters: Scalars['Float']['input'];
};

/** A vendor's new position. */
export type UpdateVendorLocationInput = {
  /** 0 to 100,000 meters. */
  accuracyMeters?: InputMaybe<Scalars['Float']['input']>;
  /** Latitude in degrees, -85.05112878 to 85.05112878; BAD_USER_INPUT otherwise. */
  lat: Scalars['Float']['input'];
  /** Longitude in degrees, -180 to 180; BAD_USER_INPUT otherwise. */
  lng: Scalars['Float']['input'];
  /** The vendor's id (Vendor.id). */
  vendorId: Scalars['ID']['input'];
};

export type Vendor = {
  __typename?: 'Vendor';
  id: Scalars['ID']['output'];
  /** The latest position; null before the first update. */
  location?: Maybe<VendorLocation>;
  /** Past positions, newest first. Owner or admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for anyone else. */
  locationHistory: VendorLocationConnection;
};


export type VendorLocationHistoryArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};

/** Where a vendor was, at one moment. */
export type VendorLocation = {
  __typename?: 'VendorLocation';
  /** Radius of uncertainty in meters, when the device reported one. */
  accuracyMeters?: Maybe<Scalars['Float']['output']>;
  /** Degrees, -85.05112878 to 85.05112878 (the Web Mercator band the distance index covers). */
  lat: Scalars['Float']['output'];
  /** Degrees, -180 to 180. */
  lng: Scalars['Float']['output'];
  /** When the position was accepted (server time). */
  updatedAt: Scalars['DateTime']['output'];
  /** The vendor that was here. */
  vendor: Vendor;
};

/** A page of a vendor's past positions, newest first, as the Relay connection spec has it. */
export type VendorLocationConnection = {
  __typename?: 'VendorLocationConnection';
  /** This page's edges, in the list's order; empty when nothing (more) is there. */
  edges: Array<VendorLocationEdge>;
  /** Whether more edges follow, and the cursors to read on from. */
  pageInfo: PageInfo;
};

/** One past position in a page of VendorLocationConnection. */
export type VendorLocationEdge = {
  __typename?: 'VendorLocationEdge';
  /** Where this edge sits in its list: pass it as 'after' to read the edges that follow. Opaque; stays valid. */
  cursor: Scalars['String']['output'];
  /** The past position. */
  node: VendorLocation;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = {
  Vendor: Vendor;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  Vendor:
    ( { __typename: 'Vendor' }
    & GraphQLRecursivePick<FederationTypes['Vendor'], {"id":true}> );
};



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  NearbyVendor: ResolverTypeWrapper<NearbyVendorResult>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  UpdateVendorLocationInput: UpdateVendorLocationInput;
  Vendor: ResolverTypeWrapper<VendorReference>;
  VendorLocation: ResolverTypeWrapper<LocationFix>;
  VendorLocationConnection: ResolverTypeWrapper<Omit<VendorLocationConnection, 'edges'> & { edges: Array<ResolversTypes['VendorLocationEdge']> }>;
  VendorLocationEdge: ResolverTypeWrapper<Omit<VendorLocationEdge, 'node'> & { node: ResolversTypes['VendorLocation'] }>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  DateTime: Scalars['DateTime']['output'];
  Mutation: Record<PropertyKey, never>;
  NearbyVendor: NearbyVendorResult;
  Float: Scalars['Float']['output'];
  PageInfo: PageInfo;
  String: Scalars['String']['output'];
  Boolean: Scalars['Boolean']['output'];
  Query: Record<PropertyKey, never>;
  Int: Scalars['Int']['output'];
  Subscription: Record<PropertyKey, never>;
  ID: Scalars['ID']['output'];
  UpdateVendorLocationInput: UpdateVendorLocationInput;
  Vendor: VendorReference;
  VendorLocation: LocationFix;
  VendorLocationConnection: Omit<VendorLocationConnection, 'edges'> & { edges: Array<ResolversParentTypes['VendorLocationEdge']> };
  VendorLocationEdge: Omit<VendorLocationEdge, 'node'> & { node: ResolversParentTypes['VendorLocation'] };
};

export type ViewerDependentDirectiveArgs = { };

export type ViewerDependentDirectiveResolver<Result, Parent, ContextType = RequestContext, Args = ViewerDependentDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  updateVendorLocation?: Resolver<ResolversTypes['VendorLocation'], ParentType, ContextType, RequireFields<MutationUpdateVendorLocationArgs, 'input'>>;
};

export type NearbyVendorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['NearbyVendor'] = ResolversParentTypes['NearbyVendor']> = {
  distanceMeters?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  vendor?: Resolver<ResolversTypes['Vendor'], ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  vendorsNearby?: Resolver<Array<ResolversTypes['NearbyVendor']>, ParentType, ContextType, RequireFields<QueryVendorsNearbyArgs, 'first' | 'lat' | 'lng' | 'openOnly' | 'radiusMeters'>>;
};

export type SubscriptionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  vendorLocationUpdated?: SubscriptionResolver<ResolversTypes['VendorLocation'], "vendorLocationUpdated", ParentType, ContextType, RequireFields<SubscriptionVendorLocationUpdatedArgs, 'vendorId'>>;
  vendorsNearbyUpdated?: SubscriptionResolver<ResolversTypes['VendorLocation'], "vendorsNearbyUpdated", ParentType, ContextType, RequireFields<SubscriptionVendorsNearbyUpdatedArgs, 'lat' | 'lng' | 'radiusMeters'>>;
};

export type VendorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Vendor'] = ResolversParentTypes['Vendor'], FederationReferenceType extends FederationReferenceTypes['Vendor'] = FederationReferenceTypes['Vendor']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Vendor']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  location?: Resolver<Maybe<ResolversTypes['VendorLocation']>, ParentType, ContextType>;
  locationHistory?: Resolver<ResolversTypes['VendorLocationConnection'], ParentType, ContextType, RequireFields<VendorLocationHistoryArgs, 'first'>>;
};

export type VendorLocationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['VendorLocation'] = ResolversParentTypes['VendorLocation']> = {
  accuracyMeters?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  lat?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  lng?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  vendor?: Resolver<ResolversTypes['Vendor'], ParentType, ContextType>;
};

export type VendorLocationConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['VendorLocationConnection'] = ResolversParentTypes['VendorLocationConnection']> = {
  edges?: Resolver<Array<ResolversTypes['VendorLocationEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type VendorLocationEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['VendorLocationEdge'] = ResolversParentTypes['VendorLocationEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['VendorLocation'], ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  DateTime?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  NearbyVendor?: NearbyVendorResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  Vendor?: VendorResolvers<ContextType>;
  VendorLocation?: VendorLocationResolvers<ContextType>;
  VendorLocationConnection?: VendorLocationConnectionResolvers<ContextType>;
  VendorLocationEdge?: VendorLocationEdgeResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = RequestContext> = {
  viewerDependent?: ViewerDependentDirectiveResolver<any, any, ContextType>;
};
