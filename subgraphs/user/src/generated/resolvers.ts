import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { UserEntity, NotificationEntity, EntityReference } from '../entities.ts';
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

/** A signed-in session: a short-lived access token and a single-use refresh token. */
export type AuthPayload = {
  __typename?: 'AuthPayload';
  /** A JWT to send as 'Authorization: Bearer <token>'; valid for 15 minutes. */
  accessToken: Scalars['String']['output'];
  /** When accessToken expires: 15 minutes after it was issued. Refresh a little before. */
  accessTokenExpiresAt: Scalars['DateTime']['output'];
  /** Opaque and single use: refreshSession returns a new one. Reusing an old one ends the whole session. */
  refreshToken: Scalars['String']['output'];
  /** The signed-in user. */
  user: User;
};

/** The current password and the new one. */
export type ChangePasswordInput = {
  /** The password now; BAD_USER_INPUT when wrong. */
  currentPassword: Scalars['String']['input'];
  /** At least 10 characters. */
  newPassword: Scalars['String']['input'];
};

/** Credentials to sign in with. */
export type LoginInput = {
  /** Email or username. */
  login: Scalars['String']['input'];
  /** At most 256 characters. A wrong login or password is UNAUTHENTICATED (which of the two is not said). */
  password: Scalars['String']['input'];
};

/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Changes the signed-in user's password and revokes every refresh token of theirs: each session ends when its
   * access token expires (15 minutes at most), and signing in again takes the new password.
   */
  changePassword: Scalars['Boolean']['output'];
  /** Closes the signed-in user's account at once: every session ends and the account can no longer sign in. */
  deleteAccount: Scalars['Boolean']['output'];
  /** Follows a user (not yourself); following again changes nothing. Returns the followed user. */
  followUser: User;
  /** Anyone. Verifies the password (argon2id), so it counts 50 toward operation cost and rate budgets. */
  login: AuthPayload;
  /** Anyone holding the token. Ends the session the refresh token belongs to. False when the token was unknown or already ended. */
  logout: Scalars['Boolean']['output'];
  /**
   * Signed in. Marks these notifications of the viewer's read (one already read keeps its readAt) and returns them,
   * newest first. Ids of other users' notifications, or of none, are left out and change nothing. At most 100 ids.
   */
  markNotificationsRead: Array<Notification>;
  /** Anyone holding the token. Exchanges a refresh token for a new session pair; the presented token cannot be used again. */
  refreshSession: AuthPayload;
  /** Anyone. Creates an account and signs it in. Hashes the password (argon2id), so it counts 50 toward operation cost and rate budgets. */
  register: AuthPayload;
  /** Admin only (FORBIDDEN otherwise). Takes effect on the user's next access token. */
  setUserRole: User;
  /** Admin only, not on yourself. The user can no longer sign in, and their sessions are refused until unsuspended. 'reason' is 1 to 500 characters. Suspending a suspended user keeps the first suspension. */
  suspendUser: User;
  /** Stops following a user; unfollowing one not followed changes nothing. Returns that user. */
  unfollowUser: User;
  /** Admin only (FORBIDDEN otherwise). The user may sign in again. */
  unsuspendUser: User;
  /** Changes the signed-in user's own profile. */
  updateProfile: User;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationChangePasswordArgs = {
  input: ChangePasswordInput;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationDeleteAccountArgs = {
  password: Scalars['String']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationFollowUserArgs = {
  userId: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationLoginArgs = {
  input: LoginInput;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationLogoutArgs = {
  refreshToken: Scalars['String']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationMarkNotificationsReadArgs = {
  ids: Array<Scalars['ID']['input']>;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationRefreshSessionArgs = {
  refreshToken: Scalars['String']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationRegisterArgs = {
  input: RegisterInput;
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationSetUserRoleArgs = {
  role: Role;
  userId: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationSuspendUserArgs = {
  reason: Scalars['String']['input'];
  userId: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationUnfollowUserArgs = {
  userId: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationUnsuspendUserArgs = {
  userId: Scalars['ID']['input'];
};


/**
 * What clients change. Each change is made whole or not at all. Unless a description says otherwise, a mutation
 * needs a signed-in viewer (UNAUTHENTICATED without one) and refuses bad arguments with BAD_USER_INPUT.
 */
export type MutationUpdateProfileArgs = {
  input: UpdateProfileInput;
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

/** Something that happened to you or around you. Nobody is notified of their own action. */
export type Notification = {
  __typename?: 'Notification';
  /** Who acted; null once their account is closed. */
  actor?: Maybe<User>;
  /** When the action happened. */
  createdAt: Scalars['DateTime']['output'];
  /** The notification's id (a UUID): what markNotificationsRead takes. */
  id: Scalars['ID']['output'];
  /** What happened. */
  kind: NotificationKind;
  /** The post it is about (NEW_POST, POST_LIKED, POST_COMMENTED, ALSO_COMMENTED); null once deleted. */
  post?: Maybe<Post>;
  /** When you marked it read; null while unread. */
  readAt?: Maybe<Scalars['DateTime']['output']>;
  /** The vendor it is about (VENDOR_OPENED, and NEW_POST made as a vendor); null once deleted. */
  vendor?: Maybe<Vendor>;
};

/** A page of the viewer's notifications, newest first, as the Relay connection spec has it. */
export type NotificationConnection = {
  __typename?: 'NotificationConnection';
  /** This page's edges, in the list's order; empty when nothing (more) is there. */
  edges: Array<NotificationEdge>;
  /** Whether more edges follow, and the cursors to read on from. */
  pageInfo: PageInfo;
};

/** One notification in a page of NotificationConnection. */
export type NotificationEdge = {
  __typename?: 'NotificationEdge';
  /** Where this edge sits in its list: pass it as 'after' to read the edges that follow. Opaque; stays valid. */
  cursor: Scalars['String']['output'];
  /** The notification. */
  node: Notification;
};

/** What a notification tells its recipient. */
export type NotificationKind =
  /** The actor commented on a post you commented on. */
  | 'ALSO_COMMENTED'
  /** The actor started following you. */
  | 'NEW_FOLLOWER'
  /** A user you follow (the actor) posted, or a vendor you follow (vendor) did. */
  | 'NEW_POST'
  /** The actor commented on your post. */
  | 'POST_COMMENTED'
  /** The actor liked your post. */
  | 'POST_LIKED'
  /** A vendor you follow opened; the actor is its owner. */
  | 'VENDOR_OPENED';

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

export type Post = {
  __typename?: 'Post';
  id: Scalars['ID']['output'];
};

/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type Query = {
  __typename?: 'Query';
  /** The signed-in user, or null when anonymous. */
  me?: Maybe<User>;
  /** Signed in. The viewer's notifications, newest first; unreadOnly leaves out those read. 'first' is 1 to 100. */
  notifications: NotificationConnection;
  /**
   * For `pnpm search:reindex` only: not in the API (the gateway never routes it), called on this subgraph with
   * the gateway's credential. Every account, closed ones included, in id order: 'first' (1 to 100) after the id
   * 'after' (the last of the previous page); a page shorter than 'first' is the last.
   */
  searchExportUsers: Array<UserSearchExport>;
  /** Signed in. How many of the viewer's notifications are unread. */
  unreadNotificationCount: Scalars['Int']['output'];
  /** Null when no such user exists or the account was closed. */
  user?: Maybe<User>;
  /** Null when no such user exists or the account was closed. */
  userByUsername?: Maybe<User>;
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QueryNotificationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
  unreadOnly?: Scalars['Boolean']['input'];
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QuerySearchExportUsersArgs = {
  after?: InputMaybe<Scalars['ID']['input']>;
  first?: Scalars['Int']['input'];
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


/**
 * What clients read. A field is open to anyone unless its description says who may call it; one marked
 * 'Signed in' gives UNAUTHENTICATED without a valid access token. Bad arguments give BAD_USER_INPUT.
 */
export type QueryUserByUsernameArgs = {
  username: Scalars['String']['input'];
};

/** A new account. */
export type RegisterInput = {
  /** 1 to 100 characters after trimming. */
  displayName: Scalars['String']['input'];
  /** A valid address of at most 320 characters, unique (CONFLICT when taken); kept private. */
  email: Scalars['String']['input'];
  /** At least 10 characters. */
  password: Scalars['String']['input'];
  /** 3 to 30 characters of a-z, 0-9 and _. */
  username: Scalars['String']['input'];
};

/** What a user may do beyond their own data. */
export type Role =
  /** May also change roles, suspend users, and edit or delete what anyone made. */
  | 'ADMIN'
  /** Everyone: acts on their own data. */
  | 'USER';

/**
 * Live events, over graphql-ws or multipart HTTP. Each stream starts with the events from now on; a dropped
 * connection can resume from the last event id it received (see the client kit).
 */
export type Subscription = {
  __typename?: 'Subscription';
  /** Signed in. Each new notification of the viewer's, from now on (only the viewer's own). */
  notificationReceived: Notification;
};

/** Fields left out are unchanged. */
export type UpdateProfileInput = {
  /** Up to 500 characters; null clears it. */
  bio?: InputMaybe<Scalars['String']['input']>;
  /** 1 to 100 characters; cannot be cleared. */
  displayName?: InputMaybe<Scalars['String']['input']>;
};

/** A person with a Curbside account. */
export type User = Node & {
  __typename?: 'User';
  /** Up to 500 characters; null when not set. */
  bio?: Maybe<Scalars['String']['output']>;
  /** When the account was registered. */
  createdAt: Scalars['DateTime']['output'];
  /** The name shown, 1 to 100 characters. */
  displayName: Scalars['String']['output'];
  /** Null unless the viewer is this user or an admin. */
  email?: Maybe<Scalars['String']['output']>;
  /** How many users follow this user. */
  followerCount: Scalars['Int']['output'];
  /** Users following this user, most recent follow first. 'first' is 1 to 100. */
  followers: UserConnection;
  /** Users this user follows, most recent follow first. 'first' is 1 to 100. */
  following: UserConnection;
  /** How many users this user follows. */
  followingCount: Scalars['Int']['output'];
  /**
   * Opaque, stable and unique across all types: it names the type and the object. Pass it to node(id:) or
   * nodes(ids:); every other argument (user(id:), postId, ...) takes the field id instead.
   */
  globalId: Scalars['ID']['output'];
  /** The user's id (a UUID): what user(id:), userId and ownerId take. Unique among users only: see globalId. */
  id: Scalars['ID']['output'];
  /** Internal: the key node(id:) resolves this object by. */
  nodeKey: Scalars['ID']['output'];
  /** What the user may do; changed by admins with setUserRole. */
  role: Role;
  /** Lower-case handle, unique, 3 to 30 of a-z, 0-9 and _. */
  username: Scalars['String']['output'];
  /** Whether the signed-in viewer follows this user; false when anonymous. */
  viewerIsFollowing: Scalars['Boolean']['output'];
};


/** A person with a Curbside account. */
export type UserFollowersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};


/** A person with a Curbside account. */
export type UserFollowingArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};

/** A page of users, most recent follow first, as the Relay connection spec has it. */
export type UserConnection = {
  __typename?: 'UserConnection';
  /** This page's edges, in the list's order; empty when nothing (more) is there. */
  edges: Array<UserEdge>;
  /** Whether more edges follow, and the cursors to read on from. */
  pageInfo: PageInfo;
};

/** One user in a page of UserConnection. */
export type UserEdge = {
  __typename?: 'UserEdge';
  /** Where this edge sits in its list: pass it as 'after' to read the edges that follow. Opaque; stays valid. */
  cursor: Scalars['String']['output'];
  /** The user. */
  node: User;
};

/** What the search index keeps of an account (see searchExportUsers). */
export type UserSearchExport = {
  __typename?: 'UserSearchExport';
  bio?: Maybe<Scalars['String']['output']>;
  /** When the account was closed; null while open. */
  closedAt?: Maybe<Scalars['DateTime']['output']>;
  displayName: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** When the account last changed: its search document's version. */
  updatedAt: Scalars['DateTime']['output'];
  username: Scalars['String']['output'];
};

export type Vendor = {
  __typename?: 'Vendor';
  id: Scalars['ID']['output'];
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
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  User:
    ( { __typename: 'User' }
    & ( GraphQLRecursivePick<FederationTypes['User'], {"id":true}>
        | GraphQLRecursivePick<FederationTypes['User'], {"nodeKey":true}> ) );
};


/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = {
  Node: ( UserEntity );
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  AuthPayload: ResolverTypeWrapper<Omit<AuthPayload, 'user'> & { user: ResolversTypes['User'] }>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  ChangePasswordInput: ChangePasswordInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  LoginInput: LoginInput;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Node: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['Node']>;
  Notification: ResolverTypeWrapper<NotificationEntity>;
  NotificationConnection: ResolverTypeWrapper<Omit<NotificationConnection, 'edges'> & { edges: Array<ResolversTypes['NotificationEdge']> }>;
  NotificationEdge: ResolverTypeWrapper<Omit<NotificationEdge, 'node'> & { node: ResolversTypes['Notification'] }>;
  NotificationKind: NotificationKind;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Post: ResolverTypeWrapper<EntityReference>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  RegisterInput: RegisterInput;
  Role: Role;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  UpdateProfileInput: UpdateProfileInput;
  User: ResolverTypeWrapper<UserEntity>;
  UserConnection: ResolverTypeWrapper<Omit<UserConnection, 'edges'> & { edges: Array<ResolversTypes['UserEdge']> }>;
  UserEdge: ResolverTypeWrapper<Omit<UserEdge, 'node'> & { node: ResolversTypes['User'] }>;
  UserSearchExport: ResolverTypeWrapper<UserSearchExport>;
  Vendor: ResolverTypeWrapper<EntityReference>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  AuthPayload: Omit<AuthPayload, 'user'> & { user: ResolversParentTypes['User'] };
  String: Scalars['String']['output'];
  ChangePasswordInput: ChangePasswordInput;
  DateTime: Scalars['DateTime']['output'];
  LoginInput: LoginInput;
  Mutation: Record<PropertyKey, never>;
  Boolean: Scalars['Boolean']['output'];
  ID: Scalars['ID']['output'];
  Node: ResolversInterfaceTypes<ResolversParentTypes>['Node'];
  Notification: NotificationEntity;
  NotificationConnection: Omit<NotificationConnection, 'edges'> & { edges: Array<ResolversParentTypes['NotificationEdge']> };
  NotificationEdge: Omit<NotificationEdge, 'node'> & { node: ResolversParentTypes['Notification'] };
  PageInfo: PageInfo;
  Post: EntityReference;
  Query: Record<PropertyKey, never>;
  Int: Scalars['Int']['output'];
  RegisterInput: RegisterInput;
  Subscription: Record<PropertyKey, never>;
  UpdateProfileInput: UpdateProfileInput;
  User: UserEntity;
  UserConnection: Omit<UserConnection, 'edges'> & { edges: Array<ResolversParentTypes['UserEdge']> };
  UserEdge: Omit<UserEdge, 'node'> & { node: ResolversParentTypes['User'] };
  UserSearchExport: UserSearchExport;
  Vendor: EntityReference;
};

export type ViewerDependentDirectiveArgs = { };

export type ViewerDependentDirectiveResolver<Result, Parent, ContextType = RequestContext, Args = ViewerDependentDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AuthPayloadResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AuthPayload'] = ResolversParentTypes['AuthPayload']> = {
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  accessTokenExpiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  changePassword?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationChangePasswordArgs, 'input'>>;
  deleteAccount?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationDeleteAccountArgs, 'password'>>;
  followUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationFollowUserArgs, 'userId'>>;
  login?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationLoginArgs, 'input'>>;
  logout?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationLogoutArgs, 'refreshToken'>>;
  markNotificationsRead?: Resolver<Array<ResolversTypes['Notification']>, ParentType, ContextType, RequireFields<MutationMarkNotificationsReadArgs, 'ids'>>;
  refreshSession?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationRefreshSessionArgs, 'refreshToken'>>;
  register?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationRegisterArgs, 'input'>>;
  setUserRole?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationSetUserRoleArgs, 'role' | 'userId'>>;
  suspendUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationSuspendUserArgs, 'reason' | 'userId'>>;
  unfollowUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationUnfollowUserArgs, 'userId'>>;
  unsuspendUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationUnsuspendUserArgs, 'userId'>>;
  updateProfile?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationUpdateProfileArgs, 'input'>>;
};

export type NodeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Node'] = ResolversParentTypes['Node']> = {
  __resolveType: TypeResolveFn<'User', ParentType, ContextType>;
};

export type NotificationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Notification'] = ResolversParentTypes['Notification']> = {
  actor?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['NotificationKind'], ParentType, ContextType>;
  post?: Resolver<Maybe<ResolversTypes['Post']>, ParentType, ContextType>;
  readAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  vendor?: Resolver<Maybe<ResolversTypes['Vendor']>, ParentType, ContextType>;
};

export type NotificationConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['NotificationConnection'] = ResolversParentTypes['NotificationConnection']> = {
  edges?: Resolver<Array<ResolversTypes['NotificationEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type NotificationEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['NotificationEdge'] = ResolversParentTypes['NotificationEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Notification'], ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type PostResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Post'] = ResolversParentTypes['Post']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  me?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  notifications?: Resolver<ResolversTypes['NotificationConnection'], ParentType, ContextType, RequireFields<QueryNotificationsArgs, 'first' | 'unreadOnly'>>;
  searchExportUsers?: Resolver<Array<ResolversTypes['UserSearchExport']>, ParentType, ContextType, RequireFields<QuerySearchExportUsersArgs, 'first'>>;
  unreadNotificationCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<QueryUserArgs, 'id'>>;
  userByUsername?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<QueryUserByUsernameArgs, 'username'>>;
};

export type SubscriptionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  notificationReceived?: SubscriptionResolver<ResolversTypes['Notification'], "notificationReceived", ParentType, ContextType>;
};

export type UserResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  bio?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  displayName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  followerCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  followers?: Resolver<ResolversTypes['UserConnection'], ParentType, ContextType, RequireFields<UserFollowersArgs, 'first'>>;
  following?: Resolver<ResolversTypes['UserConnection'], ParentType, ContextType, RequireFields<UserFollowingArgs, 'first'>>;
  followingCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  globalId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  nodeKey?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
  username?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  viewerIsFollowing?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type UserConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['UserConnection'] = ResolversParentTypes['UserConnection']> = {
  edges?: Resolver<Array<ResolversTypes['UserEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type UserEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['UserEdge'] = ResolversParentTypes['UserEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type UserSearchExportResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['UserSearchExport'] = ResolversParentTypes['UserSearchExport']> = {
  bio?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  closedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  displayName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  username?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type VendorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Vendor'] = ResolversParentTypes['Vendor']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  AuthPayload?: AuthPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Node?: NodeResolvers<ContextType>;
  Notification?: NotificationResolvers<ContextType>;
  NotificationConnection?: NotificationConnectionResolvers<ContextType>;
  NotificationEdge?: NotificationEdgeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Post?: PostResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  UserConnection?: UserConnectionResolvers<ContextType>;
  UserEdge?: UserEdgeResolvers<ContextType>;
  UserSearchExport?: UserSearchExportResolvers<ContextType>;
  Vendor?: VendorResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = RequestContext> = {
  viewerDependent?: ViewerDependentDirectiveResolver<any, any, ContextType>;
};
