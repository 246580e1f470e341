import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { VendorEntity, UserReference } from '../entities.ts';
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

/** A new vendor. */
export type CreateVendorInput = {
  /** What kind of business it is. */
  category: VendorCategory;
  /** Up to 2,000 characters. */
  description?: Scalars['String']['input'];
  /** 1 to 100 characters. */
  name: Scalars['String']['input'];
};

/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /** Owner or admin. Closing a closed vendor changes nothing. */
  closeVendor: Vendor;
  /** Signed in. The viewer runs the new vendor, closed at first. CONFLICT when the viewer already runs 10 vendors. */
  createVendor: Vendor;
  /** Owner or admin. Returns the id of the deleted vendor. */
  deleteVendor: Scalars['ID']['output'];
  /** Signed in. Following a vendor already followed changes nothing. */
  followVendor: Vendor;
  /** Owner or admin. Opening an open vendor changes nothing. */
  openVendor: Vendor;
  /** Signed in. Unfollowing a vendor not followed changes nothing. */
  unfollowVendor: Vendor;
  /** Owner or admin. */
  updateVendor: Vendor;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationCloseVendorArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationCreateVendorArgs = {
  input: CreateVendorInput;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationDeleteVendorArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationFollowVendorArgs = {
  vendorId: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationOpenVendorArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationUnfollowVendorArgs = {
  vendorId: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationUpdateVendorArgs = {
  id: Scalars['ID']['input'];
  input: UpdateVendorInput;
};

/**
 * An object that can be fetched again by its global id alone, with node(id:) or nodes(ids:) (Relay's global object
 * identification). Its id for Relay is the field globalId: set relay-compiler's schemaConfig.nodeInterfaceIdField to
 * "globalId". User, Vendor, Post, Comment and Media implement it.
 */
export type Node = {
  /**
   * Opaque, stable and unique across all types: it names the type and the object. Pass it to node(id:) or
   * nodes(ids:); every other argument (user(id:), postId, ...) takes the field id instead.
   */
  globalId: Scalars['ID']['output'];
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
   * For `pnpm search:reindex` only: not in the API (the gateway never routes it), called on this subgraph with
   * the gateway's credential. Every vendor, in id order: 'first' (1 to 100) after the id 'after' (the last of the
   * previous page); a page shorter than 'first' is the last.
   */
  searchExportVendors: Array<VendorSearchExport>;
  /** A vendor by its id; null when no such vendor exists (or the id is not a UUID). */
  vendor?: Maybe<Vendor>;
  /** Newest first. 'first' is 1 to 100. */
  vendors: VendorConnection;
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QuerySearchExportVendorsArgs = {
  after?: InputMaybe<Scalars['ID']['input']>;
  first?: Scalars['Int']['input'];
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QueryVendorArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QueryVendorsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<VendorFilter>;
  first?: Scalars['Int']['input'];
};

/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type Subscription = {
  __typename?: 'Subscription';
  /** The vendor, as it is now, each time it opens, closes or is edited. NOT_FOUND for an unknown vendor. */
  vendorStatusChanged: Vendor;
};


/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type SubscriptionVendorStatusChangedArgs = {
  vendorId: Scalars['ID']['input'];
};

/** Fields left out are unchanged. */
export type UpdateVendorInput = {
  /** What kind of business it is. */
  category?: InputMaybe<VendorCategory>;
  /** Up to 2,000 characters after trimming. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** 1 to 100 characters after trimming. */
  name?: InputMaybe<Scalars['String']['input']>;
};

export type User = {
  __typename?: 'User';
  /** Vendors this user follows, most recently followed first. 'first' is 1 to 100. */
  followedVendors: VendorConnection;
  id: Scalars['ID']['output'];
  /** Vendors this user runs, newest first. */
  vendors: Array<Vendor>;
};


export type UserFollowedVendorsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};

/** A food truck, market stall or other local business, run by a user. */
export type Vendor = Node & {
  __typename?: 'Vendor';
  /** What kind of business it is. */
  category: VendorCategory;
  /** When it was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Up to 2,000 characters; empty when not given. */
  description: Scalars['String']['output'];
  /** How many users follow this vendor. */
  followerCount: Scalars['Int']['output'];
  /**
   * Opaque, stable and unique across all types: it names the type and the object. Pass it to node(id:) or
   * nodes(ids:); every other argument (user(id:), postId, ...) takes the field id instead.
   */
  globalId: Scalars['ID']['output'];
  /** The vendor's id (a UUID): what vendor(id:) and vendorId take. Unique among vendors only: see globalId. */
  id: Scalars['ID']['output'];
  /** Whether the vendor is open for business now. */
  isOpen: Scalars['Boolean']['output'];
  /** 1 to 100 characters. */
  name: Scalars['String']['output'];
  /** Internal: the key node(id:) resolves this object by. */
  nodeKey: Scalars['ID']['output'];
  /** When the vendor opened; null while closed. */
  openedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The user who runs it. */
  owner: User;
  /** When it last changed (edited, opened or closed). */
  updatedAt: Scalars['DateTime']['output'];
  /** Whether the signed-in viewer follows this vendor; false when anonymous. */
  viewerFollows: Scalars['Boolean']['output'];
};

/** What kind of business a vendor is. */
export type VendorCategory =
  /** A café. */
  | 'CAFE'
  /** A truck or van that sells food where it parks. */
  | 'FOOD_TRUCK'
  /** A stall at a market. */
  | 'MARKET_STALL'
  /** Anything else. */
  | 'OTHER'
  /** A restaurant. */
  | 'RESTAURANT';

/** A page of vendors, as the Relay connection spec has it. */
export type VendorConnection = {
  __typename?: 'VendorConnection';
  /** This page's edges, in the list's order; empty when nothing (more) is there. */
  edges: Array<VendorEdge>;
  /** Whether more edges follow, and the cursors to read on from. */
  pageInfo: PageInfo;
};

/** One vendor in a page of VendorConnection. */
export type VendorEdge = {
  __typename?: 'VendorEdge';
  /** Where this edge sits in its list: pass it as 'after' to read the edges that follow. Opaque; stays valid. */
  cursor: Scalars['String']['output'];
  /** The vendor. */
  node: Vendor;
};

/** Which vendors to list; every condition given must hold. */
export type VendorFilter = {
  /** Only vendors of this category. */
  category?: InputMaybe<VendorCategory>;
  /** True: only open vendors; false: only closed ones. */
  openNow?: InputMaybe<Scalars['Boolean']['input']>;
  /** Only the vendors of this user (User.id). */
  ownerId?: InputMaybe<Scalars['ID']['input']>;
  /** Case-insensitive text in the name or description, matched literally; at most 100 characters. */
  search?: InputMaybe<Scalars['String']['input']>;
};

/** What the search index keeps of a vendor (see searchExportVendors). */
export type VendorSearchExport = {
  __typename?: 'VendorSearchExport';
  description: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  ownerId: Scalars['ID']['output'];
  /** When the vendor last changed: its search document's version. */
  updatedAt: Scalars['DateTime']['output'];
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
  User: User;
  Vendor: Vendor;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
  Vendor:
    ( { __typename: 'Vendor' }
    & ( GraphQLRecursivePick<FederationTypes['Vendor'], {"id":true}>
        | GraphQLRecursivePick<FederationTypes['Vendor'], {"nodeKey":true}> ) );
};


/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = {
  Node: ( VendorEntity );
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  CreateVendorInput: CreateVendorInput;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Node: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['Node']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  UpdateVendorInput: UpdateVendorInput;
  User: ResolverTypeWrapper<UserReference>;
  Vendor: ResolverTypeWrapper<VendorEntity>;
  VendorCategory: VendorCategory;
  VendorConnection: ResolverTypeWrapper<Omit<VendorConnection, 'edges'> & { edges: Array<ResolversTypes['VendorEdge']> }>;
  VendorEdge: ResolverTypeWrapper<Omit<VendorEdge, 'node'> & { node: ResolversTypes['Vendor'] }>;
  VendorFilter: VendorFilter;
  VendorSearchExport: ResolverTypeWrapper<VendorSearchExport>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  CreateVendorInput: CreateVendorInput;
  String: Scalars['String']['output'];
  DateTime: Scalars['DateTime']['output'];
  Mutation: Record<PropertyKey, never>;
  ID: Scalars['ID']['output'];
  Node: ResolversInterfaceTypes<ResolversParentTypes>['Node'];
  PageInfo: PageInfo;
  Boolean: Scalars['Boolean']['output'];
  Query: Record<PropertyKey, never>;
  Int: Scalars['Int']['output'];
  Subscription: Record<PropertyKey, never>;
  UpdateVendorInput: UpdateVendorInput;
  User: UserReference;
  Vendor: VendorEntity;
  VendorConnection: Omit<VendorConnection, 'edges'> & { edges: Array<ResolversParentTypes['VendorEdge']> };
  VendorEdge: Omit<VendorEdge, 'node'> & { node: ResolversParentTypes['Vendor'] };
  VendorFilter: VendorFilter;
  VendorSearchExport: VendorSearchExport;
};

export type ViewerDependentDirectiveArgs = { };

export type ViewerDependentDirectiveResolver<Result, Parent, ContextType = RequestContext, Args = ViewerDependentDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  closeVendor?: Resolver<ResolversTypes['Vendor'], ParentType, ContextType, RequireFields<MutationCloseVendorArgs, 'id'>>;
  createVendor?: Resolver<ResolversTypes['Vendor'], ParentType, ContextType, RequireFields<MutationCreateVendorArgs, 'input'>>;
  deleteVendor?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationDeleteVendorArgs, 'id'>>;
  followVendor?: Resolver<ResolversTypes['Vendor'], ParentType, ContextType, RequireFields<MutationFollowVendorArgs, 'vendorId'>>;
  openVendor?: Resolver<ResolversTypes['Vendor'], ParentType, ContextType, RequireFields<MutationOpenVendorArgs, 'id'>>;
  unfollowVendor?: Resolver<ResolversTypes['Vendor'], ParentType, ContextType, RequireFields<MutationUnfollowVendorArgs, 'vendorId'>>;
  updateVendor?: Resolver<ResolversTypes['Vendor'], ParentType, ContextType, RequireFields<MutationUpdateVendorArgs, 'id' | 'input'>>;
};

export type NodeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Node'] = ResolversParentTypes['Node']> = {
  __resolveType: TypeResolveFn<'Vendor', ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  searchExportVendors?: Resolver<Array<ResolversTypes['VendorSearchExport']>, ParentType, ContextType, RequireFields<QuerySearchExportVendorsArgs, 'first'>>;
  vendor?: Resolver<Maybe<ResolversTypes['Vendor']>, ParentType, ContextType, RequireFields<QueryVendorArgs, 'id'>>;
  vendors?: Resolver<ResolversTypes['VendorConnection'], ParentType, ContextType, RequireFields<QueryVendorsArgs, 'first'>>;
};

export type SubscriptionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  vendorStatusChanged?: SubscriptionResolver<ResolversTypes['Vendor'], "vendorStatusChanged", ParentType, ContextType, RequireFields<SubscriptionVendorStatusChangedArgs, 'vendorId'>>;
};

export type UserResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  followedVendors?: Resolver<ResolversTypes['VendorConnection'], ParentType, ContextType, RequireFields<UserFollowedVendorsArgs, 'first'>>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  vendors?: Resolver<Array<ResolversTypes['Vendor']>, ParentType, ContextType>;
};

export type VendorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Vendor'] = ResolversParentTypes['Vendor'], FederationReferenceType extends FederationReferenceTypes['Vendor'] = FederationReferenceTypes['Vendor']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Vendor']> | FederationReferenceType, FederationReferenceType, ContextType>;
  category?: Resolver<ResolversTypes['VendorCategory'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  followerCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  globalId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  isOpen?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  nodeKey?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  openedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  owner?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  viewerFollows?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type VendorConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['VendorConnection'] = ResolversParentTypes['VendorConnection']> = {
  edges?: Resolver<Array<ResolversTypes['VendorEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type VendorEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['VendorEdge'] = ResolversParentTypes['VendorEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Vendor'], ParentType, ContextType>;
};

export type VendorSearchExportResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['VendorSearchExport'] = ResolversParentTypes['VendorSearchExport']> = {
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  ownerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  DateTime?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Node?: NodeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  Vendor?: VendorResolvers<ContextType>;
  VendorConnection?: VendorConnectionResolvers<ContextType>;
  VendorEdge?: VendorEdgeResolvers<ContextType>;
  VendorSearchExport?: VendorSearchExportResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = RequestContext> = {
  viewerDependent?: ViewerDependentDirectiveResolver<any, any, ContextType>;
};
