/**
 * A frontend's operations, written with the `graphql()` function that `pnpm codegen` generates from the API
 * schema (`schema/schema.graphql`): each is typed (variables and result), and each lands in
 * `src/gql/persisted-documents.json`, the manifest a gateway in safelist mode runs (PERSISTED_DOCUMENTS).
 */
import { graphql } from './gql/index.ts';

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

export const VendorMoves = graphql(`
  subscription VendorMoves($vendorId: ID!) {
    vendorLocationUpdated(vendorId: $vendorId) {
      lat
      lng
      updatedAt
    }
  }
`);
