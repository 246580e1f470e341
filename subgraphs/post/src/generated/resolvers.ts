import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { PostRow, CommentEntity, EntityReference } from '../entities.ts';
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

/** A reply to a post. */
export type Comment = Node & {
  __typename?: 'Comment';
  /** Who wrote it. */
  author: User;
  /** 1 to 2,000 characters. */
  body: Scalars['String']['output'];
  /** When it was written. */
  createdAt: Scalars['DateTime']['output'];
  /**
   * Opaque, stable and unique across all types: it names the type and the object. Pass it to node(id:) or
   * nodes(ids:); every other argument (user(id:), postId, ...) takes the field id instead.
   */
  globalId: Scalars['ID']['output'];
  /** The comment's id (a UUID): what deleteComment(id:) takes. Unique among comments only: see globalId. */
  id: Scalars['ID']['output'];
  /** Internal: the key node(id:) resolves this object by. */
  nodeKey: Scalars['ID']['output'];
  /** The post it replies to. */
  post: Post;
};

/** A page of a post's comments, oldest first, as the Relay connection spec has it. */
export type CommentConnection = {
  __typename?: 'CommentConnection';
  /** This page's edges, in the list's order; empty when nothing (more) is there. */
  edges: Array<CommentEdge>;
  /** Whether more edges follow, and the cursors to read on from. */
  pageInfo: PageInfo;
};

/** One comment in a page of CommentConnection. */
export type CommentEdge = {
  __typename?: 'CommentEdge';
  /** Where this edge sits in its list: pass it as 'after' to read the edges that follow. Opaque; stays valid. */
  cursor: Scalars['String']['output'];
  /** The comment. */
  node: Comment;
};

/** A new post. */
export type CreatePostInput = {
  /** 1 to 5,000 characters after trimming. */
  body: Scalars['String']['input'];
  /** At most 10 distinct ids of the author's own READY media, in display order. */
  mediaIds?: Array<Scalars['ID']['input']>;
  /** Post as this vendor; only its owner may. */
  vendorId?: InputMaybe<Scalars['ID']['input']>;
};

export type Media = {
  __typename?: 'Media';
  id: Scalars['ID']['output'];
};

/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /** Signed in. 1 to 2,000 characters after trimming. */
  addComment: Comment;
  /** Signed in. */
  createPost: Post;
  /** The comment's author, the post's author or an admin. Returns the id of the deleted comment. */
  deleteComment: Scalars['ID']['output'];
  /** Author or admin. Returns the id of the deleted post. */
  deletePost: Scalars['ID']['output'];
  /** Signed in. Liking a post already liked changes nothing. */
  likePost: Post;
  /** Signed in. Unliking a post not liked changes nothing. */
  unlikePost: Post;
  /** Author only. Sets editedAt. */
  updatePost: Post;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationAddCommentArgs = {
  body: Scalars['String']['input'];
  postId: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationCreatePostArgs = {
  input: CreatePostInput;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationDeleteCommentArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationDeletePostArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationLikePostArgs = {
  postId: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationUnlikePostArgs = {
  postId: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationUpdatePostArgs = {
  id: Scalars['ID']['input'];
  input: UpdatePostInput;
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

/** What a user shared: text, optionally with photos, optionally as one of their vendors. */
export type Post = Node & {
  __typename?: 'Post';
  /** Who wrote it. */
  author: User;
  /** 1 to 5,000 characters. */
  body: Scalars['String']['output'];
  /** How many comments it has. */
  commentCount: Scalars['Int']['output'];
  /** Oldest first. 'first' is 1 to 100. */
  comments: CommentConnection;
  /** When it was posted. */
  createdAt: Scalars['DateTime']['output'];
  /** When the author last edited the post; null if never edited. */
  editedAt?: Maybe<Scalars['DateTime']['output']>;
  /**
   * Opaque, stable and unique across all types: it names the type and the object. Pass it to node(id:) or
   * nodes(ids:); every other argument (user(id:), postId, ...) takes the field id instead.
   */
  globalId: Scalars['ID']['output'];
  /** The post's id (a UUID): what post(id:) and postId take. Unique among posts only: see globalId. */
  id: Scalars['ID']['output'];
  /** How many users like it. */
  likeCount: Scalars['Int']['output'];
  /** Attached media in the author's order (at most 10); a deleted media disappears from the list. */
  media: Array<Media>;
  /** Internal: the key node(id:) resolves this object by. */
  nodeKey: Scalars['ID']['output'];
  /** The vendor the post was made as; null for a personal post or once that vendor is deleted. */
  vendor?: Maybe<Vendor>;
  /** Whether the signed-in viewer likes this post; false when anonymous. */
  viewerHasLiked: Scalars['Boolean']['output'];
};


/** What a user shared: text, optionally with photos, optionally as one of their vendors. */
export type PostCommentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};

/** A page of posts, newest first, as the Relay connection spec has it. */
export type PostConnection = {
  __typename?: 'PostConnection';
  /** This page's edges, in the list's order; empty when nothing (more) is there. */
  edges: Array<PostEdge>;
  /** Whether more edges follow, and the cursors to read on from. */
  pageInfo: PageInfo;
};

/** One post in a page of PostConnection. */
export type PostEdge = {
  __typename?: 'PostEdge';
  /** Where this edge sits in its list: pass it as 'after' to read the edges that follow. Opaque; stays valid. */
  cursor: Scalars['String']['output'];
  /** The post. */
  node: Post;
};

/** What the search index keeps of a post (see searchExportPosts). */
export type PostSearchExport = {
  __typename?: 'PostSearchExport';
  authorId: Scalars['ID']['output'];
  body: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** When the post was last edited, or created: its search document's version. */
  updatedAt: Scalars['DateTime']['output'];
};

/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type Query = {
  __typename?: 'Query';
  /**
   * Signed in. Posts by the users and vendors the viewer follows, and the viewer's own, newest first. 'first' is
   * 1 to 100. A cursor stays valid while new posts arrive: they appear at the top, never inside the pages after it.
   * Follows made or undone a moment ago show once their events reach this subgraph, usually within a second.
   */
  feed: PostConnection;
  /** Null when no such post exists. */
  post?: Maybe<Post>;
  /**
   * For `pnpm search:reindex` only: not in the API (the gateway never routes it), called on this subgraph with
   * the gateway's credential. Every post, in id order: 'first' (1 to 100) after the id 'after' (the last of the
   * previous page); a page shorter than 'first' is the last.
   */
  searchExportPosts: Array<PostSearchExport>;
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QueryFeedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QueryPostArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QuerySearchExportPostsArgs = {
  after?: InputMaybe<Scalars['ID']['input']>;
  first?: Scalars['Int']['input'];
};

/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type Subscription = {
  __typename?: 'Subscription';
  /** Each comment added to the post from now on. NOT_FOUND for an unknown post. */
  commentAdded: Comment;
  /** The post, as it is now, each time it is edited, liked, unliked or commented. NOT_FOUND for an unknown post. */
  postUpdated: Post;
};


/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type SubscriptionCommentAddedArgs = {
  postId: Scalars['ID']['input'];
};


/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type SubscriptionPostUpdatedArgs = {
  postId: Scalars['ID']['input'];
};

/** Fields left out are unchanged. */
export type UpdatePostInput = {
  /** 1 to 5,000 characters after trimming. */
  body?: InputMaybe<Scalars['String']['input']>;
  /** Replaces the attached media: at most 10 distinct ids of the author's own READY media, in display order. */
  mediaIds?: InputMaybe<Array<Scalars['ID']['input']>>;
};

export type User = {
  __typename?: 'User';
  id: Scalars['ID']['output'];
  /** Posts by this user, newest first. 'first' is 1 to 100. */
  posts: PostConnection;
};


export type UserPostsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};

export type Vendor = {
  __typename?: 'Vendor';
  id: Scalars['ID']['output'];
  /** Posts made as this vendor, newest first. 'first' is 1 to 100. */
  posts: PostConnection;
};


export type VendorPostsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
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
  Comment: Comment;
  Post: Post;
  User: User;
  Vendor: Vendor;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  Comment:
    ( { __typename: 'Comment' }
    & ( GraphQLRecursivePick<FederationTypes['Comment'], {"id":true}>
        | GraphQLRecursivePick<FederationTypes['Comment'], {"nodeKey":true}> ) );
  Post:
    ( { __typename: 'Post' }
    & ( GraphQLRecursivePick<FederationTypes['Post'], {"id":true}>
        | GraphQLRecursivePick<FederationTypes['Post'], {"nodeKey":true}> ) );
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
  Vendor:
    ( { __typename: 'Vendor' }
    & GraphQLRecursivePick<FederationTypes['Vendor'], {"id":true}> );
};


/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = {
  Node:
    | ( CommentEntity )
    | ( PostRow )
  ;
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Comment: ResolverTypeWrapper<CommentEntity>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  CommentConnection: ResolverTypeWrapper<Omit<CommentConnection, 'edges'> & { edges: Array<ResolversTypes['CommentEdge']> }>;
  CommentEdge: ResolverTypeWrapper<Omit<CommentEdge, 'node'> & { node: ResolversTypes['Comment'] }>;
  CreatePostInput: CreatePostInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Media: ResolverTypeWrapper<EntityReference>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Node: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['Node']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Post: ResolverTypeWrapper<PostRow>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  PostConnection: ResolverTypeWrapper<Omit<PostConnection, 'edges'> & { edges: Array<ResolversTypes['PostEdge']> }>;
  PostEdge: ResolverTypeWrapper<Omit<PostEdge, 'node'> & { node: ResolversTypes['Post'] }>;
  PostSearchExport: ResolverTypeWrapper<PostSearchExport>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  UpdatePostInput: UpdatePostInput;
  User: ResolverTypeWrapper<EntityReference>;
  Vendor: ResolverTypeWrapper<EntityReference>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Comment: CommentEntity;
  String: Scalars['String']['output'];
  ID: Scalars['ID']['output'];
  CommentConnection: Omit<CommentConnection, 'edges'> & { edges: Array<ResolversParentTypes['CommentEdge']> };
  CommentEdge: Omit<CommentEdge, 'node'> & { node: ResolversParentTypes['Comment'] };
  CreatePostInput: CreatePostInput;
  DateTime: Scalars['DateTime']['output'];
  Media: EntityReference;
  Mutation: Record<PropertyKey, never>;
  Node: ResolversInterfaceTypes<ResolversParentTypes>['Node'];
  PageInfo: PageInfo;
  Boolean: Scalars['Boolean']['output'];
  Post: PostRow;
  Int: Scalars['Int']['output'];
  PostConnection: Omit<PostConnection, 'edges'> & { edges: Array<ResolversParentTypes['PostEdge']> };
  PostEdge: Omit<PostEdge, 'node'> & { node: ResolversParentTypes['Post'] };
  PostSearchExport: PostSearchExport;
  Query: Record<PropertyKey, never>;
  Subscription: Record<PropertyKey, never>;
  UpdatePostInput: UpdatePostInput;
  User: EntityReference;
  Vendor: EntityReference;
};

export type ViewerDependentDirectiveArgs = { };

export type ViewerDependentDirectiveResolver<Result, Parent, ContextType = RequestContext, Args = ViewerDependentDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type CommentResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Comment'] = ResolversParentTypes['Comment'], FederationReferenceType extends FederationReferenceTypes['Comment'] = FederationReferenceTypes['Comment']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Comment']> | FederationReferenceType, FederationReferenceType, ContextType>;
  author?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  body?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  globalId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  nodeKey?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  post?: Resolver<ResolversTypes['Post'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CommentConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CommentConnection'] = ResolversParentTypes['CommentConnection']> = {
  edges?: Resolver<Array<ResolversTypes['CommentEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type CommentEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CommentEdge'] = ResolversParentTypes['CommentEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Comment'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type MediaResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Media'] = ResolversParentTypes['Media']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  addComment?: Resolver<ResolversTypes['Comment'], ParentType, ContextType, RequireFields<MutationAddCommentArgs, 'body' | 'postId'>>;
  createPost?: Resolver<ResolversTypes['Post'], ParentType, ContextType, RequireFields<MutationCreatePostArgs, 'input'>>;
  deleteComment?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationDeleteCommentArgs, 'id'>>;
  deletePost?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationDeletePostArgs, 'id'>>;
  likePost?: Resolver<ResolversTypes['Post'], ParentType, ContextType, RequireFields<MutationLikePostArgs, 'postId'>>;
  unlikePost?: Resolver<ResolversTypes['Post'], ParentType, ContextType, RequireFields<MutationUnlikePostArgs, 'postId'>>;
  updatePost?: Resolver<ResolversTypes['Post'], ParentType, ContextType, RequireFields<MutationUpdatePostArgs, 'id' | 'input'>>;
};

export type NodeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Node'] = ResolversParentTypes['Node']> = {
  __resolveType: TypeResolveFn<'Comment' | 'Post', ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type PostResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Post'] = ResolversParentTypes['Post'], FederationReferenceType extends FederationReferenceTypes['Post'] = FederationReferenceTypes['Post']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Post']> | FederationReferenceType, FederationReferenceType, ContextType>;
  author?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  body?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  commentCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  comments?: Resolver<ResolversTypes['CommentConnection'], ParentType, ContextType, RequireFields<PostCommentsArgs, 'first'>>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  editedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  globalId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  likeCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  media?: Resolver<Array<ResolversTypes['Media']>, ParentType, ContextType>;
  nodeKey?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  vendor?: Resolver<Maybe<ResolversTypes['Vendor']>, ParentType, ContextType>;
  viewerHasLiked?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PostConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PostConnection'] = ResolversParentTypes['PostConnection']> = {
  edges?: Resolver<Array<ResolversTypes['PostEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type PostEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PostEdge'] = ResolversParentTypes['PostEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Post'], ParentType, ContextType>;
};

export type PostSearchExportResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PostSearchExport'] = ResolversParentTypes['PostSearchExport']> = {
  authorId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  body?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  feed?: Resolver<ResolversTypes['PostConnection'], ParentType, ContextType, RequireFields<QueryFeedArgs, 'first'>>;
  post?: Resolver<Maybe<ResolversTypes['Post']>, ParentType, ContextType, RequireFields<QueryPostArgs, 'id'>>;
  searchExportPosts?: Resolver<Array<ResolversTypes['PostSearchExport']>, ParentType, ContextType, RequireFields<QuerySearchExportPostsArgs, 'first'>>;
};

export type SubscriptionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  commentAdded?: SubscriptionResolver<ResolversTypes['Comment'], "commentAdded", ParentType, ContextType, RequireFields<SubscriptionCommentAddedArgs, 'postId'>>;
  postUpdated?: SubscriptionResolver<ResolversTypes['Post'], "postUpdated", ParentType, ContextType, RequireFields<SubscriptionPostUpdatedArgs, 'postId'>>;
};

export type UserResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  posts?: Resolver<ResolversTypes['PostConnection'], ParentType, ContextType, RequireFields<UserPostsArgs, 'first'>>;
};

export type VendorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Vendor'] = ResolversParentTypes['Vendor'], FederationReferenceType extends FederationReferenceTypes['Vendor'] = FederationReferenceTypes['Vendor']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Vendor']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  posts?: Resolver<ResolversTypes['PostConnection'], ParentType, ContextType, RequireFields<VendorPostsArgs, 'first'>>;
};

export type Resolvers<ContextType = RequestContext> = {
  Comment?: CommentResolvers<ContextType>;
  CommentConnection?: CommentConnectionResolvers<ContextType>;
  CommentEdge?: CommentEdgeResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Media?: MediaResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Node?: NodeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Post?: PostResolvers<ContextType>;
  PostConnection?: PostConnectionResolvers<ContextType>;
  PostEdge?: PostEdgeResolvers<ContextType>;
  PostSearchExport?: PostSearchExportResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  Vendor?: VendorResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = RequestContext> = {
  viewerDependent?: ViewerDependentDirectiveResolver<any, any, ContextType>;
};
