import { gatewayCredentialHeader } from '@curbside/auth';
import type { OwnerSnapshot } from './indexing.ts';

/** Where the owners' export queries are served: each owning subgraph's own GraphQL endpoint. */
export interface OwnerEndpoints {
  user: string;
  vendor: string;
  post: string;
}

export interface ReadOwnerExportsOptions {
  endpoints: OwnerEndpoints;
  /** The gateway's credential (`GATEWAY_SECRET`), which subgraphs require when it is set. Default none. */
  gatewaySecret?: string | undefined;
  /** Rows per page: 1 to 100. Default 100. */
  pageSize?: number;
}

const exports = {
  user: {
    field: 'searchExportUsers',
    selection: 'id username displayName bio updatedAt closedAt',
  },
  vendor: { field: 'searchExportVendors', selection: 'id ownerId name description updatedAt' },
  post: { field: 'searchExportPosts', selection: 'id authorId body updatedAt' },
} as const;

/**
 * What the user, vendor and post subgraphs have now, read through their export queries (`searchExportUsers`,
 * `searchExportVendors`, `searchExportPosts`: not in the API, so called on each subgraph with the gateway's
 * credential), a page at a time in id order. Never another subgraph's database: each owner decides what it
 * exports. Throws, naming the subgraph, when one answers with errors or not at all.
 */
export async function readOwnerExports(options: ReadOwnerExportsOptions): Promise<OwnerSnapshot> {
  const pageSize = options.pageSize ?? 100;
  async function readAll<Row extends { id: string }>(owner: keyof OwnerEndpoints): Promise<Row[]> {
    const { field, selection } = exports[owner];
    const query = `query ($first: Int!, $after: ID) { ${field}(first: $first, after: $after) { ${selection} } }`;
    const rows: Row[] = [];
    let after: string | null = null;
    for (;;) {
      const response = await fetch(options.endpoints[owner], {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.gatewaySecret ? { [gatewayCredentialHeader]: options.gatewaySecret } : {}),
        },
        body: JSON.stringify({ query, variables: { first: pageSize, after } }),
      });
      const body = (await response.json().catch(() => null)) as {
        data?: Record<string, Row[] | null> | null;
        errors?: { message: string }[];
      } | null;
      const page = body?.data?.[field];
      if (!response.ok || !page || body?.errors?.length) {
        const reason = body?.errors?.map((error) => error.message).join('; ') ?? `HTTP ${response.status}`;
        throw new Error(`The ${owner} subgraph's ${field} failed: ${reason}`);
      }
      rows.push(...page);
      if (page.length < pageSize) return rows;
      after = page.at(-1)!.id;
    }
  }
  const [users, vendors, posts] = await Promise.all([
    readAll<OwnerSnapshot['users'][number]>('user'),
    readAll<OwnerSnapshot['vendors'][number]>('vendor'),
    readAll<OwnerSnapshot['posts'][number]>('post'),
  ]);
  return { users, vendors, posts };
}
