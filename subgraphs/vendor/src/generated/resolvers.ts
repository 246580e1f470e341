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

export type CreateVendorInput = {
  category: VendorCategory;
  /** Up to 2,000 characters. */
  description?: Scalars['String']['input'];
  /** 1 to 100 characters. */
  name: Scalars['String']['input'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Owner or admin. Closing a closed vendor changes nothing. */
  closeVendor: Vendor;
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


export type MutationCloseVendorArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreateVendorArgs = {
  input: CreateVendorInput;
};


export type MutationDeleteVendorArgs = {
  id: Scalars['ID']['input'];
};


export type MutationFollowVendorArgs = {
  vendorId: Scalars['ID']['input'];
};


export type MutationOpenVendorArgs = {
  id: Scalars['ID']['input'];
};


export type MutationUnfollowVendorArgs = {
  vendorId: Scalars['ID']['input'];
};


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

export type Query = {
  __typename?: 'Query';
  vendor?: Maybe<Vendor>;
  /** Newest first. 'first' is 1 to 100. */
  vendors: VendorConnection;
};


export type QueryVendorArgs = {
  id: Scalars['ID']['input'];
};


export type QueryVendorsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<VendorFilter>;
  first?: Scalars['Int']['input'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /** The vendor, as it is now, each time it opens, closes or is edited. NOT_FOUND for an unknown vendor. */
  vendorStatusChanged: Vendor;
};


export type SubscriptionVendorStatusChangedArgs = {
  vendorId: Scalars['ID']['input'];
};

/** Fields left out are unchanged. */
export type UpdateVendorInput = {
  category?: InputMaybe<VendorCategory>;
  description?: InputMaybe<Scalars['String']['input']>;
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
  category: VendorCategory;
  createdAt: Scalars['DateTime']['output'];
  description: Scalars['String']['output'];
  /** How many users follow this vendor. */
  followerCount: Scalars['Int']['output'];
  /**
   * Opaque, stable and unique across all types: it names the type and the object. Pass it to node(id:) or
   * nodes(ids:); every other argument (user(id:), postId, ...) takes the field id instead.
   */
  globalId: Scalars['ID']['output'];
  id: Scalars['ID']['output'];
  /** Whether the vendor is open for business now. */
  isOpen: Scalars['Boolean']['output'];
  name: Scalars['String']['output'];
  /** Internal: the key node(id:) resolves this object by. */
  nodeKey: Scalars['ID']['output'];
  /** When the vendor opened; null while closed. */
  openedAt?: Maybe<Scalars['DateTime']['output']>;
  owner: User;
  updatedAt: Scalars['DateTime']['output'];
  /** Whether the signed-in viewer follows this vendor; false when anonymous. */
  viewerFollows: Scalars['Boolean']['output'];
};

export type VendorCategory =
  | 'CAFE'
  | 'FOOD_TRUCK'
  | 'MARKET_STALL'
  | 'OTHER'
  | 'RESTAURANT';

export type VendorConnection = {
  __typename?: 'VendorConnection';
  edges: Array<VendorEdge>;
  pageInfo: PageInfo;
};

export type VendorEdge = {
  __typename?: 'VendorEdge';
  cursor: Scalars['String']['output'];
  node: Vendor;
};

export type VendorFilter = {
  category?: InputMaybe<VendorCategory>;
  /** True: only open vendors; false: only closed ones. */
  openNow?: InputMaybe<Scalars['Boolean']['input']>;
  ownerId?: InputMaybe<Scalars['ID']['input']>;
  /** Case-insensitive text in the name or description, matched literally; at most 100 characters. */
  search?: InputMaybe<Scalars['String']['input']>;
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
};

export type DirectiveResolvers<ContextType = RequestContext> = {
  viewerDependent?: ViewerDependentDirectiveResolver<any, any, ContextType>;
};
