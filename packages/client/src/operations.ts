/**
 * Curbside's trusted documents: the operations a frontend may run, written with the `graphql()` function that
 * `pnpm codegen` generates from the API schema (`schema/schema.graphql`). Each is typed (variables and result)
 * and lands in `src/gql/persisted-documents.json`, the manifest a gateway in safelist mode runs
 * (`PERSISTED_DOCUMENTS`). Codegen adds `__typename` to every selection set, as Apollo Client's cache does, so
 * the document the gateway runs is the one Apollo Client asked for. A screen needing another operation adds
 * it here, and the manifest follows.
 */
import { graphql } from './gql/index.ts';

export const Register = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      accessToken
      refreshToken
      accessTokenExpiresAt
      user {
        id
        username
      }
    }
  }
`);

export const Login = graphql(`
  mutation Login($login: String!, $password: String!) {
    login(input: { login: $login, password: $password }) {
      accessToken
      refreshToken
      accessTokenExpiresAt
      user {
        id
        username
      }
    }
  }
`);

export const RefreshSession = graphql(`
  mutation RefreshSession($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      accessToken
      refreshToken
      accessTokenExpiresAt
    }
  }
`);

export const Me = graphql(`
  query Me {
    me {
      id
      username
      displayName
      vendors {
        id
        name
        isOpen
      }
    }
  }
`);

export const VendorsNearMe = graphql(`
  query VendorsNearMe($lat: Float!, $lng: Float!) {
    vendorsNearby(lat: $lat, lng: $lng, radiusMeters: 2000, first: 20) {
      distanceMeters
      vendor {
        id
        name
        isOpen
      }
    }
  }
`);

export const MyFeed = graphql(`
  query MyFeed($after: String) {
    feed(first: 20, after: $after) {
      edges {
        cursor
        node {
          id
          body
          author {
            username
          }
        }
      }
    }
  }
`);

export const CreateVendor = graphql(`
  mutation CreateVendor($input: CreateVendorInput!) {
    createVendor(input: $input) {
      id
      name
      isOpen
    }
  }
`);

export const OpenVendor = graphql(`
  mutation OpenVendor($id: ID!) {
    openVendor(id: $id) {
      id
      isOpen
    }
  }
`);

export const MoveVendor = graphql(`
  mutation MoveVendor($input: UpdateVendorLocationInput!) {
    updateVendorLocation(input: $input) {
      lat
      lng
      updatedAt
    }
  }
`);

export const CreatePost = graphql(`
  mutation CreatePost($input: CreatePostInput!) {
    createPost(input: $input) {
      id
      body
    }
  }
`);

export const AddComment = graphql(`
  mutation AddComment($postId: ID!, $body: String!) {
    addComment(postId: $postId, body: $body) {
      id
      body
    }
  }
`);

export const VendorMoves = graphql(`
  subscription VendorMoves($vendorId: ID!) {
    vendorLocationUpdated(vendorId: $vendorId) {
      lat
      lng
      updatedAt
      vendor {
        id
        name
      }
    }
  }
`);

export const CommentAdded = graphql(`
  subscription CommentAdded($postId: ID!) {
    commentAdded(postId: $postId) {
      id
      body
      author {
        id
        username
      }
    }
  }
`);
