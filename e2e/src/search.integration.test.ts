/**
 * Search, end to end: mutations at the gateway, their events relayed to the workers' `search.index` handler,
 * the index queried through the gateway with each node resolved by its owner. Also the handler called
 * directly (duplicates, events out of order) and `pnpm search:reindex` as a process.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEventName, DomainEventPayload } from '@curbside/events';
import { applySearchEvent, applySearchEvents, entities, migrations, type SearchEvent } from '@curbside/search-subgraph';
import { openOrm, type Orm } from '@curbside/subgraph-kit';
import {
  dataOf,
  graphql,
  queryRows,
  registerUser,
  startStack,
  waitFor,
  type Account,
  type TestStack,
} from './index.ts';
import { repoFile } from './processes.ts';

let stack: TestStack;
let searchOrm: Orm;

/** Subgraphs then answer only the gateway (and the reindex, which presents the same credential). */
const gatewaySecret = 'search-test-gateway-secret-0123456789abcdef';

beforeAll(async () => {
  stack = await startStack({ gatewaySecret });
  searchOrm = await openOrm({ databaseUrl: stack.databases.search, entities, migrations, migrationMode: 'await' });
});
afterAll(async () => {
  await searchOrm?.close();
  await stack?.stop();
});

const searchDocument = `
  query ($query: String!, $types: [SearchType!], $first: Int! = 20, $after: String) {
    search(query: $query, types: $types, first: $first, after: $after) {
      edges {
        cursor
        node {
          score
          node {
            __typename
            ... on User { id username displayName }
            ... on Vendor { id name description owner { username } }
            ... on Post { id body author { username } }
          }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

interface Hit {
  score: number;
  node: { __typename: 'User' | 'Vendor' | 'Post'; id: string; [field: string]: unknown } | null;
}
interface SearchPage {
  hits: Hit[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
}

async function search(query: string, args: { types?: string[]; first?: number; after?: string } = {}) {
  const { search: connection } = dataOf(await graphql(stack.gatewayUrl, searchDocument, { query, ...args }));
  return {
    hits: connection.edges.map((edge: { node: Hit }) => edge.node),
    cursors: connection.edges.map((edge: { cursor: string }) => edge.cursor),
    hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor,
  } as SearchPage;
}

const ids = (hits: Hit[]) => hits.map((hit) => hit.node?.id);

/** Waits until searching `query` finds (or, with `present: false`, no longer finds) the document `id`. */
async function waitForSearch(query: string, id: string, present = true, types?: string[]): Promise<Hit[]> {
  return waitFor(
    `search '${query}' ${present ? 'to find' : 'to lose'} ${id}`,
    async () => {
      const { hits } = await search(query, types ? { types } : {});
      return ids(hits).includes(id) === present ? hits : null;
    },
    5_000,
  );
}

async function mutate(account: Account, query: string, variables: Record<string, unknown>) {
  return dataOf(await graphql(stack.gatewayUrl, query, variables, { token: account.accessToken }));
}

const createPost = async (account: Account, body: string): Promise<string> =>
  (
    await mutate(account, 'mutation ($input: CreatePostInput!) { createPost(input: $input) { id } }', {
      input: { body },
    })
  ).createPost.id;

const createVendor = async (account: Account, name: string, description: string): Promise<string> =>
  (
    await mutate(account, 'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }', {
      input: { name, description, category: 'FOOD_TRUCK' },
    })
  ).createVendor.id;

describe('search through the gateway', () => {
  it('finds a user, a vendor and a post, each resolved by the subgraph that owns it', async () => {
    const marisol = await registerUser(stack.gatewayUrl, 'marisol_quintero');
    const vendorId = await createVendor(marisol, 'Quintero Churros', 'Crispy churros dipped in dark chocolate');
    const postId = await createPost(marisol, 'Fresh churros by the river tonight, come early!');

    const byUsername = await waitForSearch('marisol_quintero', marisol.id);
    expect(byUsername[0]).toMatchObject({
      node: { __typename: 'User', id: marisol.id, username: 'marisol_quintero', displayName: 'marisol_quintero' },
    });
    const byName = await waitForSearch('Quintero', vendorId);
    expect(byName.map((hit) => hit.node?.__typename).sort()).toEqual(['User', 'Vendor']);
    expect(byName.find((hit) => hit.node?.id === vendorId)).toMatchObject({
      node: { __typename: 'Vendor', name: 'Quintero Churros', owner: { username: 'marisol_quintero' } },
    });
    const byDescription = await waitForSearch('dark chocolate', vendorId);
    expect(ids(byDescription)).toEqual([vendorId]);
    const byBody = await waitForSearch('river', postId);
    expect(byBody).toEqual([
      {
        score: expect.any(Number),
        node: {
          __typename: 'Post',
          id: postId,
          body: 'Fresh churros by the river tonight, come early!',
          author: { username: 'marisol_quintero' },
        },
      },
    ]);
    expect(byBody[0]!.score).toBeGreaterThan(0);

    // So are a vendor's new description, and a profile change (display name and bio).
    await mutate(
      marisol,
      'mutation ($id: ID!, $input: UpdateVendorInput!) { updateVendor(id: $id, input: $input) { id } }',
      {
        id: vendorId,
        input: { description: 'Churros and hot cinnamon cider' },
      },
    );
    await waitForSearch('cinnamon cider', vendorId);
    expect(ids((await search('dark chocolate')).hits)).not.toContain(vendorId);

    await mutate(marisol, 'mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }', {
      input: { displayName: 'Marisol Q.', bio: 'Third-generation churrera from Seville' },
    });
    await waitForSearch('Seville', marisol.id);
    const renamed = await search('marisol', { types: ['USER'] });
    expect(renamed.hits[0]?.node).toMatchObject({ id: marisol.id, displayName: 'Marisol Q.' });
  });

  it('searches only the types asked for', async () => {
    const owner = await registerUser(stack.gatewayUrl, 'pimenta_owner');
    const vendorId = await createVendor(owner, 'Pimenta Grill', 'Piri-piri chicken');
    const postId = await createPost(owner, 'Pimenta Grill has piri-piri chicken on Fridays');
    await waitForSearch('piri-piri', vendorId);
    await waitForSearch('piri-piri', postId);

    expect(ids((await search('piri-piri', { types: ['VENDOR'] })).hits)).toEqual([vendorId]);
    expect(ids((await search('piri-piri', { types: ['POST'] })).hits)).toEqual([postId]);
    expect(ids((await search('pimenta', { types: ['USER'] })).hits)).toEqual([owner.id]);
    expect(ids((await search('pimenta', { types: ['VENDOR', 'POST'] })).hits).sort()).toEqual(
      [vendorId, postId].sort(),
    );
  });

  it('pages with first and after, best first, without duplicates or gaps', async () => {
    const author = await registerUser(stack.gatewayUrl, 'paella_author');
    const postIds: string[] = [];
    // Different lengths and repetitions, so that the scores differ, and some tie.
    const bodies = [
      'paella',
      'paella paella',
      'Seafood paella for two',
      'The paella pan is ready',
      'Our paella: rice, saffron, patience',
      'paella',
      'Sunday paella at noon, paella all afternoon',
    ];
    for (const body of bodies) postIds.push(await createPost(author, body));
    await waitFor(
      'every paella post',
      async () => (await search('paella', { types: ['POST'], first: 50 })).hits.length === bodies.length,
      5_000,
    );

    const everything = await search('paella', { types: ['POST'], first: 50 });
    const scores = everything.hits.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(everything.hasNextPage).toBe(false);

    const paged: Hit[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await search('paella', { types: ['POST'], first: 3, ...(after ? { after } : {}) });
      paged.push(...result.hits);
      expect(result.hits.length).toBeLessThanOrEqual(3);
      if (!result.hasNextPage) break;
      after = result.endCursor!;
    }
    expect(ids(paged)).toEqual(ids(everything.hits));
    expect(new Set(ids(paged)).size).toBe(bodies.length);
    expect(new Set(ids(paged))).toEqual(new Set(postIds));
  });

  it('finds a post by a misspelt word', async () => {
    const author = await registerUser(stack.gatewayUrl, 'typo_author');
    const tacos = await createPost(author, 'Best tacos in Lisbon tonight');
    const burrito = await createPost(author, 'A huge burrito with black beans');
    await waitForSearch('tacos', tacos);
    await waitForSearch('burrito', burrito);

    const misspelt = await search('tacso', { types: ['POST'] });
    expect(misspelt.hits[0]?.node).toMatchObject({ id: tacos, body: 'Best tacos in Lisbon tonight' });
    expect(ids(misspelt.hits)).not.toContain(burrito);
    expect(ids((await search('burito')).hits)).toContain(burrito);
    expect(ids((await search('lisbn tacos')).hits)[0]).toBe(tacos);
    // An exact word outranks a near one.
    expect((await search('tacos')).hits[0]!.score).toBeGreaterThan(misspelt.hits[0]!.score);
  });

  it('finds an edited post by its new text, not its old one', async () => {
    const author = await registerUser(stack.gatewayUrl, 'editing_author');
    const postId = await createPost(author, 'The saffron risotto is back');
    await waitForSearch('saffron risotto', postId);

    await mutate(
      author,
      'mutation ($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { id } }',
      {
        id: postId,
        input: { body: 'Now serving mushroom gnocchi' },
      },
    );
    const found = await waitForSearch('gnocchi', postId);
    expect(found.find((hit) => hit.node?.id === postId)?.node?.['body']).toBe('Now serving mushroom gnocchi');
    expect(ids((await search('risotto')).hits)).not.toContain(postId);
  });

  it('loses deleted vendors and posts, and everything of a closed account', async () => {
    const owner = await registerUser(stack.gatewayUrl, 'leaving_owner');
    const vendorId = await createVendor(owner, 'Farewell Falafel', 'Falafel wraps');
    const postId = await createPost(owner, 'Falafel wraps until we run out');
    const keptVendorId = await createVendor(owner, 'Goodbye Gelato', 'Gelato cones');
    const keptPostId = await createPost(owner, 'Gelato cones at the pier');
    await waitForSearch('falafel', vendorId);
    await waitForSearch('falafel', postId);
    await waitForSearch('gelato', keptVendorId);
    await waitForSearch('gelato', keptPostId);

    await mutate(owner, 'mutation ($id: ID!) { deleteVendor(id: $id) }', { id: vendorId });
    await mutate(owner, 'mutation ($id: ID!) { deletePost(id: $id) }', { id: postId });
    await waitForSearch('falafel', vendorId, false);
    await waitForSearch('falafel', postId, false);

    await mutate(owner, 'mutation ($password: String!) { deleteAccount(password: $password) }', {
      password: owner.password,
    });
    await waitForSearch('gelato', keptVendorId, false);
    expect(ids((await search('gelato')).hits)).toEqual([]);
    expect(ids((await search('leaving_owner')).hits)).toEqual([]);
    const left = await queryRows(
      stack.databases.search,
      'select type, deleted_at from search_document where owner_id = $1',
      [owner.id],
    );
    expect(left).toEqual([]);
  });

  it('gives a null node, and the rest of the page, for a hit its owner no longer has', async () => {
    // As between a deletion and the index catching up: a document the post subgraph has never heard of.
    const author = await registerUser(stack.gatewayUrl, 'quokka_author');
    const realId = await createPost(author, 'A quokka smiled at me');
    await waitForSearch('quokka', realId);
    const phantomId = randomUUID();
    await queryRows(
      stack.databases.search,
      `insert into search_document (type, id, owner_id, body, version) values ('POST', $1, $2, 'quokka quokka', now())`,
      [phantomId, author.id],
    );
    try {
      const response = await graphql(stack.gatewayUrl, searchDocument, { query: 'quokka', types: ['POST'] });
      expect(response.errors).toBeUndefined();
      expect(response.data!['search'].edges.map((edge: { node: Hit }) => edge.node.node?.id ?? null)).toEqual([
        null,
        realId,
      ]);
    } finally {
      await queryRows(stack.databases.search, 'delete from search_document where id = $1', [phantomId]);
    }
  });

  it('makes a new post searchable within a second of its mutation', async () => {
    const author = await registerUser(stack.gatewayUrl, 'latency_author');
    const latencies: number[] = [];
    for (let index = 0; index < 20; index++) {
      const word = `latencyprobe${index}x`;
      const started = performance.now();
      const postId = await createPost(author, `Checking how fast ${word} shows up`);
      await waitFor(
        `post ${index} in search`,
        async () => ids((await search(word, { types: ['POST'] })).hits).includes(postId),
        5_000,
      );
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const percentile = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
    console.log(
      `search latency, mutation sent to first search that finds it (20 posts): p50 ${percentile(50).toFixed(0)} ms, p95 ${percentile(95).toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms`,
    );
    // Generous, for a loaded machine: the target is 1 s at p95.
    expect(percentile(95)).toBeLessThan(3_000);
  });

  it('refuses invalid arguments with BAD_USER_INPUT naming each field', async () => {
    const problems = async (variables: Record<string, unknown>) => {
      const response = await graphql(stack.gatewayUrl, searchDocument, variables);
      expect(response.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
      return Object.keys(response.errors![0]!.extensions!['fields'] as object).sort();
    };
    expect(await problems({ query: '   ' })).toEqual(['query']);
    expect(await problems({ query: 'a'.repeat(201) })).toEqual(['query']);
    expect(await problems({ query: 'tacos', first: 0 })).toEqual(['first']);
    expect(await problems({ query: 'tacos', first: 51 })).toEqual(['first']);
    expect(await problems({ query: 'tacos', after: 'not-a-cursor' })).toEqual(['after']);
    expect(await problems({ query: 'tacos', types: [] })).toEqual(['types']);
    expect(await problems({ query: '', first: 100, after: 'x' })).toEqual(['after', 'first', 'query']);
    // 200 characters after trimming is fine.
    expect(
      dataOf(await graphql(stack.gatewayUrl, searchDocument, { query: ` ${'a'.repeat(200)} ` })).search.edges,
    ).toEqual([]);
  });
});

describe('the search.index handler', () => {
  let sequence = 0;
  /** An event as the queue delivers it, `secondsAgo` old. */
  const event = <Name extends DomainEventName>(
    name: Name,
    payload: DomainEventPayload<Name>,
    secondsAgo: number,
  ): SearchEvent =>
    ({
      id: randomUUID(),
      name,
      payload,
      occurredAt: new Date(Date.now() - secondsAgo * 1000 - sequence++).toISOString(),
    }) as SearchEvent;
  const apply = (...events: SearchEvent[]) =>
    events.reduce((done, next) => done.then(() => applySearchEvent(searchOrm.em.fork(), next)), Promise.resolve());
  const rowsOf = (id: string) =>
    queryRows(
      stack.databases.search,
      'select type, id, owner_id, handle, name, body, version, deleted_at, document::text, search_text from search_document where id = $1',
      [id],
    );

  it('changes nothing when the same event comes twice', async () => {
    const userId = randomUUID();
    const registered = event('user.registered', { userId, username: 'twice_ana', displayName: 'Ana Twice' }, 10);
    const updated = event('user.profile_updated', { userId, displayName: 'Ana Again', bio: 'Bakes bread' }, 5);
    await apply(registered, updated);
    const before = await rowsOf(userId);
    expect(before).toMatchObject([{ handle: 'twice_ana', name: 'Ana Again', body: 'Bakes bread' }]);
    await apply(updated, registered, updated);
    expect(await rowsOf(userId)).toEqual(before);

    const vendorId = randomUUID();
    const deleted = event('vendor.deleted', { vendorId, ownerId: userId }, 1);
    await apply(deleted);
    const tombstone = await rowsOf(vendorId);
    await apply(deleted);
    expect(await rowsOf(vendorId)).toEqual(tombstone);
  });

  it('changes nothing when an older event comes after a newer one', async () => {
    const authorId = randomUUID();
    const postId = randomUUID();
    const created = event(
      'post.created',
      { postId, authorId, vendorId: null, mediaIds: [], body: 'First draft about croissants' },
      20,
    );
    const edited = event('post.updated', { postId, authorId, body: 'Final words about brioche' }, 10);
    await apply(edited, created);
    expect(await rowsOf(postId)).toMatchObject([{ body: 'Final words about brioche' }]);

    // A profile update arriving before the registration keeps its newer name and still gains the username.
    const userId = randomUUID();
    await apply(
      event('user.profile_updated', { userId, displayName: 'Newer Name', bio: null }, 5),
      event('user.registered', { userId, username: 'late_registration', displayName: 'Older Name' }, 50),
    );
    expect(await rowsOf(userId)).toMatchObject([{ handle: 'late_registration', name: 'Newer Name' }]);

    // A deleted post stays deleted, whatever comes late.
    await apply(
      event('post.deleted', { postId, authorId }, 5),
      event('post.updated', { postId, authorId, body: 'Back?' }, 1),
    );
    expect(await rowsOf(postId)).toMatchObject([{ body: '', deleted_at: expect.any(Date) }]);

    // Nothing of a closed account comes back either, even from events older or newer than the closure.
    const vendorId = randomUUID();
    await apply(
      event('user.deleted', { userId: authorId }, 3),
      event(
        'vendor.created',
        { vendorId, ownerId: authorId, name: 'Ghost', description: '', category: 'CAFE', isOpen: false },
        30,
      ),
      event(
        'vendor.updated',
        { vendorId, ownerId: authorId, name: 'Ghost', description: '', category: 'CAFE', isOpen: true },
        0,
      ),
    );
    expect(await rowsOf(vendorId)).toEqual([]);
    expect(await rowsOf(postId)).toEqual([]);
  });
});

describe('the search.index handler, in batches', () => {
  /** A deterministic pseudo-random sequence (mulberry32), so that a failing round can be replayed. */
  function randomOf(seed: number) {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Events about three owners, their profiles, two vendors and two posts each, at distinct random times. */
  function world(seed: number): { owners: string[]; events: SearchEvent[] } {
    const random = randomOf(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const times = new Set<number>();
    const at = () => {
      let time: number;
      do time = Date.UTC(2026, 0, 1) + Math.floor(random() * 1_000_000) * 1000;
      while (times.has(time));
      times.add(time);
      return new Date(time).toISOString();
    };
    const events: SearchEvent[] = [];
    const add = <Name extends DomainEventName>(name: Name, payload: DomainEventPayload<Name>) =>
      events.push({ id: randomUUID(), name, payload, occurredAt: at() } as SearchEvent);
    const owners = [randomUUID(), randomUUID(), randomUUID()];
    for (const userId of owners) {
      add('user.registered', { userId, username: `batch_${userId.slice(0, 8)}`, displayName: 'First name' });
      for (let i = 0; i < 3; i++)
        add('user.profile_updated', { userId, displayName: pick(['Ana', 'Ben', 'Chloe']), bio: pick([null, 'Bakes']) });
      for (let v = 0; v < 2; v++) {
        const vendorId = randomUUID();
        const vendor = { vendorId, ownerId: userId, category: 'CAFE', isOpen: false };
        add('vendor.created', { ...vendor, name: 'Opening', description: 'First menu' });
        for (let i = 0; i < 3; i++)
          add('vendor.updated', { ...vendor, name: pick(['Tacos', 'Churros']), description: pick(['Hot', 'Cold']) });
        if (random() < 0.4) add('vendor.deleted', { vendorId, ownerId: userId });
      }
      for (let p = 0; p < 2; p++) {
        const postId = randomUUID();
        add('post.created', { postId, authorId: userId, vendorId: null, mediaIds: [], body: 'Draft' });
        for (let i = 0; i < 3; i++)
          add('post.updated', { postId, authorId: userId, body: pick(['Sardines', 'Gnocchi', 'Paella']) });
        if (random() < 0.4) add('post.deleted', { postId, authorId: userId });
      }
      if (random() < 0.3) add('user.deleted', { userId });
    }
    // Delivered in any order.
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [events[i], events[j]] = [events[j]!, events[i]!];
    }
    return { owners, events };
  }

  const snapshot = async (owners: string[]) => ({
    documents: await queryRows(
      stack.databases.search,
      `select type, id, owner_id, handle, name, body, version, deleted_at from search_document
       where owner_id = any($1) order by type, id`,
      [owners],
    ),
    closed: await queryRows(
      stack.databases.search,
      'select user_id, closed_at from search_closed_account where user_id = any($1) order by user_id',
      [owners],
    ),
  });
  const forget = (owners: string[]) =>
    Promise.all([
      queryRows(stack.databases.search, 'delete from search_document where owner_id = any($1)', [owners]),
      queryRows(stack.databases.search, 'delete from search_closed_account where user_id = any($1)', [owners]),
    ]);
  const inOccurrenceOrder = (events: SearchEvent[]) =>
    [...events].sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));

  it('leaves what the events applied one by one in occurrence order leave, over an index already holding some', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const { owners, events } = world(seed);
      // A third is already in the index (in delivery order); the rest comes as one batch.
      const before = events.slice(0, Math.floor(events.length / 3));
      const batch = events.slice(before.length);
      const applyBefore = async () => {
        for (const event of before) await applySearchEvent(searchOrm.em.fork(), event);
      };

      await applyBefore();
      await applySearchEvents(searchOrm.em.fork(), batch);
      const batched = await snapshot(owners);
      await forget(owners);

      await applyBefore();
      for (const event of inOccurrenceOrder(batch)) await applySearchEvent(searchOrm.em.fork(), event);
      const oneByOne = await snapshot(owners);
      await forget(owners);

      expect(batched, `seed ${seed}`).toEqual(oneByOne);
      expect(oneByOne.documents.length + oneByOne.closed.length, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('never lets an earlier update in the batch overwrite a later one, and changes nothing when applied twice', async () => {
    const authorId = randomUUID();
    const postId = randomUUID();
    const at = (second: number) => new Date(Date.UTC(2026, 5, 1, 12, 0, second)).toISOString();
    const batch = [
      {
        id: randomUUID(),
        name: 'post.updated',
        payload: { postId, authorId, body: 'Final words' },
        occurredAt: at(30),
      },
      {
        id: randomUUID(),
        name: 'post.updated',
        payload: { postId, authorId, body: 'Second draft' },
        occurredAt: at(20),
      },
      {
        id: randomUUID(),
        name: 'post.created',
        payload: { postId, authorId, vendorId: null, mediaIds: [], body: 'First draft' },
        occurredAt: at(10),
      },
    ] as SearchEvent[];
    await applySearchEvents(searchOrm.em.fork(), batch);
    const rows = await snapshot([authorId]);
    expect(rows.documents).toMatchObject([{ id: postId, body: 'Final words', version: new Date(at(30)) }]);
    await applySearchEvents(searchOrm.em.fork(), [...batch].reverse());
    expect(await snapshot([authorId])).toEqual(rows);
  });
});

describe('pnpm search:reindex', () => {
  it("rebuilds the live documents from the owners' export queries, with the gateway's credential", async () => {
    const author = await registerUser(stack.gatewayUrl, 'reindex_author');
    const postId = await createPost(author, 'Grilled sardines for the reindex');
    await mutate(
      author,
      'mutation ($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { id } }',
      {
        id: postId,
        input: { body: 'Grilled sardines, rebuilt from the owners' },
      },
    );
    const gone = await createPost(author, 'Sardines that will be deleted');
    await mutate(author, 'mutation ($id: ID!) { deletePost(id: $id) }', { id: gone });
    await waitForSearch('rebuilt sardines', postId);
    await waitForSearch('sardines', gone, false);

    // Only documents of real accounts: the handler tests above wrote some from events of their own. Versions are
    // left out: a rebuilt document's is its owner's last change time, not its last event's.
    const accounts = (await queryRows(stack.databases.user, 'select id from app_user')).map((row) => row['id']);
    const liveRows = () =>
      queryRows(
        stack.databases.search,
        `select type, id, owner_id, handle, name, body from search_document
         where owner_id = any($1) and deleted_at is null order by type, id`,
        [accounts],
      );
    const tombstones = () =>
      queryRows(stack.databases.search, 'select type, id from search_document where deleted_at is not null');
    const closedAccounts = () =>
      queryRows(
        stack.databases.search,
        'select user_id from search_closed_account where user_id = any($1) order by user_id',
        [accounts],
      );
    const queries = ['sardines', 'tacso', 'paella', 'churros', 'marisol', 'pimenta', 'gelato'];
    const results = async () => Promise.all(queries.map((query) => search(query, { first: 50 })));
    const before = await results();
    const rowsBefore = await liveRows();
    const tombstonesBefore = await tombstones();
    const closedBefore = await closedAccounts();
    expect(closedBefore.length).toBeGreaterThan(0); // leaving_owner, above
    expect(tombstonesBefore).toContainEqual({ type: 'POST', id: gone });

    await queryRows(
      stack.databases.search,
      'delete from search_document where deleted_at is null; delete from search_closed_account',
    );
    expect((await search('sardines')).hits).toEqual([]);

    // Only the search database and the owners' endpoints: the script is given no other database.
    const reindex = (gatewaySecret: string | undefined) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', repoFile('infra/src/search-reindex.ts')], {
        env: {
          PATH: process.env['PATH'],
          POSTGRES_URL: new URL('/postgres', stack.databases.search).toString(),
          SEARCH_DATABASE: new URL(stack.databases.search).pathname.slice(1),
          SUBGRAPH_URL_USER: stack.subgraphUrls.user,
          SUBGRAPH_URL_VENDOR: stack.subgraphUrls.vendor,
          SUBGRAPH_URL_POST: stack.subgraphUrls.post,
          ...(gatewaySecret ? { GATEWAY_SECRET: gatewaySecret } : {}),
        },
      });
    // The export queries are not in the API, and the subgraphs answer them only for the gateway's credential.
    await expect(reindex(undefined)).rejects.toThrow(/searchExport\w+ failed/);
    const apiSchema = await graphql(stack.gatewayUrl, '{ searchExportPosts(first: 1) { id } }', {});
    expect(apiSchema.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');

    const { stdout } = await reindex(gatewaySecret);
    expect(stdout).toMatch(/Search index rebuilt from the user, vendor and post subgraphs' exports: \d+ documents/);
    expect(await results()).toEqual(before);
    expect(await liveRows()).toEqual(rowsBefore);
    expect(await tombstones()).toEqual(tombstonesBefore);
    expect(await closedAccounts()).toEqual(closedBefore);
  });
});
