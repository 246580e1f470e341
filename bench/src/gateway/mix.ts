/**
 * The query mix of `bench:gateway`: a vendors page with owners and positions, a posts page with authors, vendors,
 * photos and counts, and `me` with its vendors, each signed in; and the check of every answer.
 */

export type QueryKind = 'vendors page' | 'posts page' | 'me';

/** One request of the mix, with what its answer must contain. */
export interface MixRequest {
  kind: QueryKind;
  query: string;
  variables: Record<string, unknown>;
  token: string;
  expect: { authorUsername?: string; vendorName?: string; viewerId?: string };
}

/** What the client process is given on its stdin. */
export interface ClientPlan {
  url: string;
  warmup: number;
  total: number;
  concurrency: number;
  mix: MixRequest[];
}

const VENDORS_PAGE = `query VendorsPage {
  vendors(first: 20) {
    edges { node {
      id name category isOpen followerCount viewerFollows
      owner { username displayName }
      location { lat lng updatedAt }
    } }
  }
}`;

const POSTS_PAGE = `query PostsPage($authorId: ID!) {
  user(id: $authorId) {
    posts(first: 20) {
      edges { node {
        id body createdAt likeCount commentCount viewerHasLiked
        author { username displayName }
        vendor { name isOpen }
        media { url width height }
      } }
    }
  }
}`;

const ME = `query Me { me { id username email vendors { name isOpen } } }`;

/** The seed's size: 4 owners with 5 vendors each (a vendors page of 20), 30 posts on 4 photos. */
export const ownerCount = 4;
export const vendorsPerOwner = 5;
export const postCount = 30;
export const imageCount = 4;

/** What the answers hold, as far as `check` reads them. */
export interface Answer {
  vendors?: { edges: { node: { owner: { username: string }; location: { lat: number } | null } }[] };
  user?: {
    posts: {
      edges: { node: { author: { username: string }; vendor: { name: string } | null; media: { url: string }[] } }[];
    };
  };
  me?: { id: string; vendors: { name: string }[] } | null;
}

/** Throws unless the answer is complete and right for its request. */
export function check(mixRequest: MixRequest, response: { status: number; text: string }): void {
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${response.text.slice(0, 300)}`);
  const body = JSON.parse(response.text) as { data?: Answer | null; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 300)}`);
  const data = body.data;
  if (!data) throw new Error('No data');
  const { expect } = mixRequest;
  if (mixRequest.kind === 'vendors page') {
    const edges = data.vendors?.edges ?? [];
    if (edges.length !== ownerCount * vendorsPerOwner) throw new Error(`expected 20 vendors, got ${edges.length}`);
    if (edges.some(({ node }) => !node.owner.username || !node.location)) {
      throw new Error(`a vendor without owner or position: ${response.text.slice(0, 300)}`);
    }
  } else if (mixRequest.kind === 'posts page') {
    const edges = data.user?.posts.edges ?? [];
    if (edges.length !== 20) throw new Error(`expected 20 posts, got ${edges.length}`);
    for (const { node } of edges) {
      if (
        node.author.username !== expect.authorUsername ||
        node.vendor?.name !== expect.vendorName ||
        node.media.length !== 2
      ) {
        throw new Error(`incomplete post: ${JSON.stringify(node).slice(0, 300)}`);
      }
    }
  } else if (!data.me || data.me.id !== expect.viewerId || data.me.vendors.length !== vendorsPerOwner) {
    throw new Error(`me answered ${JSON.stringify(data.me)} for ${expect.viewerId}`);
  }
}

/** Every viewer's three requests, in that order: the mix the client goes round. */
export function mixFor(
  author: { id: string; username: string },
  viewers: readonly { id: string; accessToken: string }[],
): MixRequest[] {
  return viewers.flatMap((viewer) => [
    { kind: 'vendors page', query: VENDORS_PAGE, variables: {}, token: viewer.accessToken, expect: {} },
    {
      kind: 'posts page',
      query: POSTS_PAGE,
      variables: { authorId: author.id },
      token: viewer.accessToken,
      expect: { authorUsername: author.username, vendorName: 'Bench vendor 0' },
    },
    { kind: 'me', query: ME, variables: {}, token: viewer.accessToken, expect: { viewerId: viewer.id } },
  ]);
}
