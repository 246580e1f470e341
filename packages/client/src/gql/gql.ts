/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n      user {\n        id\n        username\n      }\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation Login($login: String!, $password: String!) {\n    login(input: { login: $login, password: $password }) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n      user {\n        id\n        username\n      }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  query Me {\n    me {\n      id\n      username\n      displayName\n      vendors {\n        id\n        name\n        isOpen\n      }\n    }\n  }\n": typeof types.MeDocument,
    "\n  query VendorsNearMe($lat: Float!, $lng: Float!) {\n    vendorsNearby(lat: $lat, lng: $lng, radiusMeters: 2000, first: 20) {\n      distanceMeters\n      vendor {\n        id\n        name\n        isOpen\n      }\n    }\n  }\n": typeof types.VendorsNearMeDocument,
    "\n  query MyFeed($after: String) {\n    feed(first: 20, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          body\n          author {\n            username\n          }\n        }\n      }\n    }\n  }\n": typeof types.MyFeedDocument,
    "\n  mutation CreateVendor($input: CreateVendorInput!) {\n    createVendor(input: $input) {\n      id\n      name\n      isOpen\n    }\n  }\n": typeof types.CreateVendorDocument,
    "\n  mutation OpenVendor($id: ID!) {\n    openVendor(id: $id) {\n      id\n      isOpen\n    }\n  }\n": typeof types.OpenVendorDocument,
    "\n  mutation MoveVendor($input: UpdateVendorLocationInput!) {\n    updateVendorLocation(input: $input) {\n      lat\n      lng\n      updatedAt\n    }\n  }\n": typeof types.MoveVendorDocument,
    "\n  mutation CreatePost($input: CreatePostInput!) {\n    createPost(input: $input) {\n      id\n      body\n    }\n  }\n": typeof types.CreatePostDocument,
    "\n  mutation AddComment($postId: ID!, $body: String!) {\n    addComment(postId: $postId, body: $body) {\n      id\n      body\n    }\n  }\n": typeof types.AddCommentDocument,
    "\n  subscription VendorMoves($vendorId: ID!) {\n    vendorLocationUpdated(vendorId: $vendorId) {\n      lat\n      lng\n      updatedAt\n      vendor {\n        id\n        name\n      }\n    }\n  }\n": typeof types.VendorMovesDocument,
    "\n  subscription CommentAdded($postId: ID!) {\n    commentAdded(postId: $postId) {\n      id\n      body\n      author {\n        id\n        username\n      }\n    }\n  }\n": typeof types.CommentAddedDocument,
};
const documents: Documents = {
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n      user {\n        id\n        username\n      }\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation Login($login: String!, $password: String!) {\n    login(input: { login: $login, password: $password }) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n      user {\n        id\n        username\n      }\n    }\n  }\n": types.LoginDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  query Me {\n    me {\n      id\n      username\n      displayName\n      vendors {\n        id\n        name\n        isOpen\n      }\n    }\n  }\n": types.MeDocument,
    "\n  query VendorsNearMe($lat: Float!, $lng: Float!) {\n    vendorsNearby(lat: $lat, lng: $lng, radiusMeters: 2000, first: 20) {\n      distanceMeters\n      vendor {\n        id\n        name\n        isOpen\n      }\n    }\n  }\n": types.VendorsNearMeDocument,
    "\n  query MyFeed($after: String) {\n    feed(first: 20, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          body\n          author {\n            username\n          }\n        }\n      }\n    }\n  }\n": types.MyFeedDocument,
    "\n  mutation CreateVendor($input: CreateVendorInput!) {\n    createVendor(input: $input) {\n      id\n      name\n      isOpen\n    }\n  }\n": types.CreateVendorDocument,
    "\n  mutation OpenVendor($id: ID!) {\n    openVendor(id: $id) {\n      id\n      isOpen\n    }\n  }\n": types.OpenVendorDocument,
    "\n  mutation MoveVendor($input: UpdateVendorLocationInput!) {\n    updateVendorLocation(input: $input) {\n      lat\n      lng\n      updatedAt\n    }\n  }\n": types.MoveVendorDocument,
    "\n  mutation CreatePost($input: CreatePostInput!) {\n    createPost(input: $input) {\n      id\n      body\n    }\n  }\n": types.CreatePostDocument,
    "\n  mutation AddComment($postId: ID!, $body: String!) {\n    addComment(postId: $postId, body: $body) {\n      id\n      body\n    }\n  }\n": types.AddCommentDocument,
    "\n  subscription VendorMoves($vendorId: ID!) {\n    vendorLocationUpdated(vendorId: $vendorId) {\n      lat\n      lng\n      updatedAt\n      vendor {\n        id\n        name\n      }\n    }\n  }\n": types.VendorMovesDocument,
    "\n  subscription CommentAdded($postId: ID!) {\n    commentAdded(postId: $postId) {\n      id\n      body\n      author {\n        id\n        username\n      }\n    }\n  }\n": types.CommentAddedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n      user {\n        id\n        username\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n      user {\n        id\n        username\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($login: String!, $password: String!) {\n    login(input: { login: $login, password: $password }) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n      user {\n        id\n        username\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($login: String!, $password: String!) {\n    login(input: { login: $login, password: $password }) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n      user {\n        id\n        username\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      accessTokenExpiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      username\n      displayName\n      vendors {\n        id\n        name\n        isOpen\n      }\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      id\n      username\n      displayName\n      vendors {\n        id\n        name\n        isOpen\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VendorsNearMe($lat: Float!, $lng: Float!) {\n    vendorsNearby(lat: $lat, lng: $lng, radiusMeters: 2000, first: 20) {\n      distanceMeters\n      vendor {\n        id\n        name\n        isOpen\n      }\n    }\n  }\n"): (typeof documents)["\n  query VendorsNearMe($lat: Float!, $lng: Float!) {\n    vendorsNearby(lat: $lat, lng: $lng, radiusMeters: 2000, first: 20) {\n      distanceMeters\n      vendor {\n        id\n        name\n        isOpen\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyFeed($after: String) {\n    feed(first: 20, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          body\n          author {\n            username\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyFeed($after: String) {\n    feed(first: 20, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          body\n          author {\n            username\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateVendor($input: CreateVendorInput!) {\n    createVendor(input: $input) {\n      id\n      name\n      isOpen\n    }\n  }\n"): (typeof documents)["\n  mutation CreateVendor($input: CreateVendorInput!) {\n    createVendor(input: $input) {\n      id\n      name\n      isOpen\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OpenVendor($id: ID!) {\n    openVendor(id: $id) {\n      id\n      isOpen\n    }\n  }\n"): (typeof documents)["\n  mutation OpenVendor($id: ID!) {\n    openVendor(id: $id) {\n      id\n      isOpen\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MoveVendor($input: UpdateVendorLocationInput!) {\n    updateVendorLocation(input: $input) {\n      lat\n      lng\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation MoveVendor($input: UpdateVendorLocationInput!) {\n    updateVendorLocation(input: $input) {\n      lat\n      lng\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreatePost($input: CreatePostInput!) {\n    createPost(input: $input) {\n      id\n      body\n    }\n  }\n"): (typeof documents)["\n  mutation CreatePost($input: CreatePostInput!) {\n    createPost(input: $input) {\n      id\n      body\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddComment($postId: ID!, $body: String!) {\n    addComment(postId: $postId, body: $body) {\n      id\n      body\n    }\n  }\n"): (typeof documents)["\n  mutation AddComment($postId: ID!, $body: String!) {\n    addComment(postId: $postId, body: $body) {\n      id\n      body\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription VendorMoves($vendorId: ID!) {\n    vendorLocationUpdated(vendorId: $vendorId) {\n      lat\n      lng\n      updatedAt\n      vendor {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription VendorMoves($vendorId: ID!) {\n    vendorLocationUpdated(vendorId: $vendorId) {\n      lat\n      lng\n      updatedAt\n      vendor {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CommentAdded($postId: ID!) {\n    commentAdded(postId: $postId) {\n      id\n      body\n      author {\n        id\n        username\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription CommentAdded($postId: ID!) {\n    commentAdded(postId: $postId) {\n      id\n      body\n      author {\n        id\n        username\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;