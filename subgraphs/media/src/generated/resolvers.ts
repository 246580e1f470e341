import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { MediaEntity, UserReference } from '../entities.ts';
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
  /** Any JSON value. */
  JSON: { input: unknown; output: unknown; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** The image a client is about to upload; the PUT must match it. */
export type CreateUploadInput = {
  /** 1 to 10,485,760 bytes (10 MB). */
  byteSize: Scalars['Int']['input'];
  /** image/jpeg, image/png, image/webp or image/gif. */
  contentType: Scalars['String']['input'];
  /** 1 to 255 characters, without '/' or '\'. */
  filename: Scalars['String']['input'];
};

/** An image uploaded by a user. */
export type Media = Node & {
  __typename?: 'Media';
  /**
   * Size in bytes of the upload, as declared at createUpload and verified at upload. The served image is
   * re-encoded without its metadata, so its own size (its Content-Length) differs.
   */
  byteSize: Scalars['Int']['output'];
  /** The declared and verified type: image/jpeg, image/png, image/webp or image/gif. */
  contentType: Scalars['String']['output'];
  /** When createUpload made it. */
  createdAt: Scalars['DateTime']['output'];
  /** Why processing failed; null unless FAILED. */
  failureReason?: Maybe<Scalars['String']['output']>;
  /**
   * Opaque, stable and unique across all types: it names the type and the object. Pass it to node(id:) or
   * nodes(ids:); every other argument (user(id:), postId, ...) takes the field id instead.
   */
  globalId: Scalars['ID']['output'];
  /** Pixels, as displayed (EXIF orientation applied); null until the bytes arrived. */
  height?: Maybe<Scalars['Int']['output']>;
  /** The media's id (a UUID): what media(id:), mediaIds and mediaId take. Unique among media only: see globalId. */
  id: Scalars['ID']['output'];
  /** Internal: the key node(id:) resolves this object by. */
  nodeKey: Scalars['ID']['output'];
  /** The user who uploaded it. */
  owner: User;
  /** Where it is in its processing. */
  status: MediaStatus;
  /**
   * A WebP thumbnail 256 pixels wide (height in proportion, at most 1,024: a taller image's thumbnail is its
   * middle; a narrower image is enlarged); null unless READY.
   */
  thumbnailUrl?: Maybe<Scalars['String']['output']>;
  /**
   * Where the image is served, in its uploaded format, without any metadata (EXIF, GPS, XMP, IPTC, ICC,
   * comments); null unless READY.
   */
  url?: Maybe<Scalars['String']['output']>;
  /** Pixels, as displayed (EXIF orientation applied); null until the bytes arrived. */
  width?: Maybe<Scalars['Int']['output']>;
};

/** A page of a user's media, newest first, as the Relay connection spec has it. */
export type MediaConnection = {
  __typename?: 'MediaConnection';
  /** This page's edges, in the list's order; empty when nothing (more) is there. */
  edges: Array<MediaEdge>;
  /** Whether more edges follow, and the cursors to read on from. */
  pageInfo: PageInfo;
};

/** One media in a page of MediaConnection. */
export type MediaEdge = {
  __typename?: 'MediaEdge';
  /** Where this edge sits in its list: pass it as 'after' to read the edges that follow. Opaque; stays valid. */
  cursor: Scalars['String']['output'];
  /** The media. */
  node: Media;
};

/** Where a media is between createUpload and being served. */
export type MediaStatus =
  /** Processing failed for good (the image does not decode, or has too many pixels): see failureReason. */
  | 'FAILED'
  /** Created by createUpload; the bytes have not arrived, or were refused (a corrected PUT may follow). */
  | 'PENDING_UPLOAD'
  /**
   * The bytes arrived and were checked; they are being processed (metadata such as GPS removed, thumbnail
   * made) and are not served yet. Usually under a second; mediaStatusChanged tells when it is over.
   */
  | 'PROCESSING'
  /** Processed: url serves the image without its metadata, thumbnailUrl a WebP thumbnail. */
  | 'READY';

/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /** Signed in. Creates a PENDING_UPLOAD media and a signed upload URL valid for 15 minutes. */
  createUpload: UploadTicket;
  /** Owner or admin. Removes the files and the media; returns its id. */
  deleteMedia: Scalars['ID']['output'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationCreateUploadArgs = {
  input: CreateUploadInput;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationDeleteMediaArgs = {
  id: Scalars['ID']['input'];
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
   * A media by its id, in whatever status, for anyone who has the id; null when no such media exists (or the id is
   * not a UUID).
   */
  media?: Maybe<Media>;
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QueryMediaArgs = {
  id: Scalars['ID']['input'];
};

/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type Subscription = {
  __typename?: 'Subscription';
  /**
   * The media, as it is now, when its processing finishes (READY or FAILED); NOT_FOUND (ending the stream) once
   * it is deleted. Owner only: UNAUTHENTICATED when anonymous, FORBIDDEN for anyone else.
   */
  mediaStatusChanged: Media;
};


/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type SubscriptionMediaStatusChangedArgs = {
  mediaId: Scalars['ID']['input'];
};

/**
 * Where and how to send the bytes of a new media: PUT exactly byteSize bytes of the declared type to uploadUrl,
 * with uploadHeaders. Success answers 202 and the media is PROCESSING, then READY (or FAILED) once processed:
 * follow it with mediaStatusChanged, or read media(id). A refusal answers a JSON { error, code }:
 * 403 SIGNATURE_INVALID or URL_EXPIRED, 409 ALREADY_UPLOADED, 411 LENGTH_REQUIRED, 400 SIZE_MISMATCH,
 * 415 TYPE_MISMATCH (header or real type), 422 INVALID_IMAGE. A refused PUT stores nothing and leaves the
 * media PENDING_UPLOAD, so the same URL can be retried with the right bytes until it expires.
 */
export type UploadTicket = {
  __typename?: 'UploadTicket';
  /** When uploadUrl stops working: 15 minutes after createUpload. */
  expiresAt: Scalars['DateTime']['output'];
  /** The new media, PENDING_UPLOAD until a PUT to uploadUrl succeeds. */
  media: Media;
  /** Headers the PUT must carry, such as Content-Type. */
  uploadHeaders: Scalars['JSON']['output'];
  /** Signed; used up by the first successful PUT; valid until expiresAt (15 minutes). Media never uploaded are removed after 24 hours. */
  uploadUrl: Scalars['String']['output'];
};

export type User = {
  __typename?: 'User';
  id: Scalars['ID']['output'];
  /**
   * Media this user uploaded, newest first: every status for the user themself and admins, only READY media
   * for anyone else. 'first' is 1 to 100.
   */
  media: MediaConnection;
};


export type UserMediaArgs = {
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
  Media: Media;
  User: User;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  Media:
    ( { __typename: 'Media' }
    & ( GraphQLRecursivePick<FederationTypes['Media'], {"id":true}>
        | GraphQLRecursivePick<FederationTypes['Media'], {"nodeKey":true}> ) );
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
};


/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = {
  Node: ( MediaEntity );
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  CreateUploadInput: CreateUploadInput;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Media: ResolverTypeWrapper<MediaEntity>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  MediaConnection: ResolverTypeWrapper<Omit<MediaConnection, 'edges'> & { edges: Array<ResolversTypes['MediaEdge']> }>;
  MediaEdge: ResolverTypeWrapper<Omit<MediaEdge, 'node'> & { node: ResolversTypes['Media'] }>;
  MediaStatus: MediaStatus;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Node: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['Node']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  UploadTicket: ResolverTypeWrapper<Omit<UploadTicket, 'media'> & { media: ResolversTypes['Media'] }>;
  User: ResolverTypeWrapper<UserReference>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  CreateUploadInput: CreateUploadInput;
  Int: Scalars['Int']['output'];
  String: Scalars['String']['output'];
  DateTime: Scalars['DateTime']['output'];
  JSON: Scalars['JSON']['output'];
  Media: MediaEntity;
  ID: Scalars['ID']['output'];
  MediaConnection: Omit<MediaConnection, 'edges'> & { edges: Array<ResolversParentTypes['MediaEdge']> };
  MediaEdge: Omit<MediaEdge, 'node'> & { node: ResolversParentTypes['Media'] };
  Mutation: Record<PropertyKey, never>;
  Node: ResolversInterfaceTypes<ResolversParentTypes>['Node'];
  PageInfo: PageInfo;
  Boolean: Scalars['Boolean']['output'];
  Query: Record<PropertyKey, never>;
  Subscription: Record<PropertyKey, never>;
  UploadTicket: Omit<UploadTicket, 'media'> & { media: ResolversParentTypes['Media'] };
  User: UserReference;
};

export type ViewerDependentDirectiveArgs = { };

export type ViewerDependentDirectiveResolver<Result, Parent, ContextType = RequestContext, Args = ViewerDependentDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MediaResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Media'] = ResolversParentTypes['Media'], FederationReferenceType extends FederationReferenceTypes['Media'] = FederationReferenceTypes['Media']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Media']> | FederationReferenceType, FederationReferenceType, ContextType>;
  byteSize?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  contentType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  failureReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  globalId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  height?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  nodeKey?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  owner?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['MediaStatus'], ParentType, ContextType>;
  thumbnailUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  url?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  width?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MediaConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['MediaConnection'] = ResolversParentTypes['MediaConnection']> = {
  edges?: Resolver<Array<ResolversTypes['MediaEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type MediaEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['MediaEdge'] = ResolversParentTypes['MediaEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Media'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  createUpload?: Resolver<ResolversTypes['UploadTicket'], ParentType, ContextType, RequireFields<MutationCreateUploadArgs, 'input'>>;
  deleteMedia?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationDeleteMediaArgs, 'id'>>;
};

export type NodeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Node'] = ResolversParentTypes['Node']> = {
  __resolveType: TypeResolveFn<'Media', ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  media?: Resolver<Maybe<ResolversTypes['Media']>, ParentType, ContextType, RequireFields<QueryMediaArgs, 'id'>>;
};

export type SubscriptionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  mediaStatusChanged?: SubscriptionResolver<ResolversTypes['Media'], "mediaStatusChanged", ParentType, ContextType, RequireFields<SubscriptionMediaStatusChangedArgs, 'mediaId'>>;
};

export type UploadTicketResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['UploadTicket'] = ResolversParentTypes['UploadTicket']> = {
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  media?: Resolver<ResolversTypes['Media'], ParentType, ContextType>;
  uploadHeaders?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  uploadUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type UserResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  media?: Resolver<ResolversTypes['MediaConnection'], ParentType, ContextType, RequireFields<UserMediaArgs, 'first'>>;
};

export type Resolvers<ContextType = RequestContext> = {
  DateTime?: GraphQLScalarType;
  JSON?: GraphQLScalarType;
  Media?: MediaResolvers<ContextType>;
  MediaConnection?: MediaConnectionResolvers<ContextType>;
  MediaEdge?: MediaEdgeResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Node?: NodeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  UploadTicket?: UploadTicketResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = RequestContext> = {
  viewerDependent?: ViewerDependentDirectiveResolver<any, any, ContextType>;
};
