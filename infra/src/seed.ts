/**
 * `pnpm seed`: demo users, follows, vendors placed around one city (some open), and posts with images
 * generated here, likes and comments. Loaded through the running gateway, so every row goes through the
 * same validation, hashing, uploads and outbox as a real client's. Idempotent: signs in users that
 * exist, and creates only the vendors and posts that are missing.
 */
import { makePng } from '@curbside/fixtures';

const gatewayUrl = process.env['GATEWAY_URL'] ?? 'http://127.0.0.1:4000/graphql';

/** Every demo account shares this password: demo data only. */
const demoPassword = 'curbside-demo-password';

/** The city the demo vendors are spread around (Lisbon), and each vendor's offset from it in meters. */
const city = { lat: 38.7223, lng: -9.1393 };

interface DemoVendor {
  name: string;
  category: string;
  description: string;
  /** Meters north and east of the city centre. */
  at: [north: number, east: number];
  open: boolean;
}

const demoUsers: { username: string; displayName: string; vendors: DemoVendor[]; follows: string[] }[] = [
  {
    username: 'ana',
    displayName: 'Ana Tacos',
    follows: ['ben', 'chloe'],
    vendors: [
      {
        name: 'Ana’s Tacos',
        category: 'FOOD_TRUCK',
        description: 'Al pastor and fresh tortillas.',
        at: [120, -80],
        open: true,
      },
      {
        name: 'Salsa Stand',
        category: 'MARKET_STALL',
        description: 'Six salsas, mild to unreasonable.',
        at: [-450, 300],
        open: false,
      },
      {
        name: 'Taco Night Truck',
        category: 'FOOD_TRUCK',
        description: 'Late-night tacos by the river.',
        at: [-1_200, -900],
        open: true,
      },
    ],
  },
  {
    username: 'ben',
    displayName: 'Ben Brews',
    follows: ['ana'],
    vendors: [
      {
        name: 'Rolling Roast',
        category: 'CAFE',
        description: 'Espresso from a converted horse trailer.',
        at: [600, 650],
        open: true,
      },
      {
        name: 'Cold Brew Cart',
        category: 'CAFE',
        description: 'Nitro cold brew on tap.',
        at: [1_500, -200],
        open: false,
      },
    ],
  },
  {
    username: 'chloe',
    displayName: 'Chloe Greens',
    follows: ['ana', 'ben'],
    vendors: [
      {
        name: 'Green Bowl',
        category: 'RESTAURANT',
        description: 'Grain bowls and seasonal salads.',
        at: [-300, -1_400],
        open: true,
      },
      {
        name: 'Saturday Farm Stall',
        category: 'MARKET_STALL',
        description: 'Vegetables picked the day before.',
        at: [2_100, 1_800],
        open: false,
      },
      {
        name: 'Pastel Corner',
        category: 'CAFE',
        description: 'Custard tarts, warm all day.',
        at: [-2_600, 400],
        open: true,
      },
    ],
  },
  { username: 'dev', displayName: 'Demo Developer', follows: ['ana', 'ben', 'chloe'], vendors: [] },
];

/** Vendors each demo user follows, by name. */
const vendorFollows: Record<string, string[]> = {
  dev: ['Ana’s Tacos', 'Rolling Roast', 'Green Bowl'],
  ana: ['Rolling Roast'],
  ben: ['Green Bowl', 'Pastel Corner'],
};

const metersPerDegree = 111_320;
const positionOf = ([north, east]: [number, number]) => ({
  lat: city.lat + north / metersPerDegree,
  lng: city.lng + east / (metersPerDegree * Math.cos((city.lat * Math.PI) / 180)),
});

async function call<Data>(query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Data; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function signIn(username: string, displayName: string): Promise<string> {
  const login = await call<{ login: { accessToken: string } }>(
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: { login: username, password: demoPassword } },
  );
  if (login.data) return login.data.login.accessToken;
  const register = await call<{ register: { accessToken: string } }>(
    'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
    { input: { username, displayName, email: `${username}@demo.curbside.local`, password: demoPassword } },
  );
  if (!register.data) throw new Error(`Cannot sign in or register ${username}: ${JSON.stringify(register.errors)}`);
  console.log(`registered ${username}`);
  return register.data.register.accessToken;
}

try {
  await fetch(gatewayUrl.replace(/\/graphql$/, '/health'));
} catch {
  console.error(`The gateway at ${gatewayUrl} is not answering: start the stack with 'pnpm dev' first.`);
  process.exit(1);
}

let created = 0;
const tokens = new Map<string, string>();
const userIds = new Map<string, string>();
const vendorIds = new Map<string, string>();
for (const user of demoUsers) {
  const token = await signIn(user.username, user.displayName);
  tokens.set(user.username, token);
  const me = await call<{ me: { id: string; vendors: { id: string; name: string }[] } }>(
    '{ me { id vendors { id name } } }',
    {},
    token,
  );
  if (!me.data) throw new Error(`Cannot read ${user.username}: ${JSON.stringify(me.errors)}`);
  userIds.set(user.username, me.data.me.id);
  const existing = new Map(me.data.me.vendors.map((vendor) => [vendor.name, vendor.id]));
  for (const vendor of user.vendors) {
    let id = existing.get(vendor.name);
    if (!id) {
      const result = await call<{ createVendor: { id: string } }>(
        'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
        { input: { name: vendor.name, category: vendor.category, description: vendor.description } },
        token,
      );
      if (!result.data) throw new Error(`Cannot create ${vendor.name}: ${JSON.stringify(result.errors)}`);
      id = result.data.createVendor.id;
      created++;
    }
    vendorIds.set(vendor.name, id);
    const openOrClose = vendor.open ? 'openVendor' : 'closeVendor';
    const state = await call(`mutation ($id: ID!) { ${openOrClose}(id: $id) { id } }`, { id }, token);
    if (state.errors) throw new Error(`Cannot ${openOrClose} ${vendor.name}: ${JSON.stringify(state.errors)}`);
  }
}

// The location subgraph learns of new vendors through their events: retry briefly while it catches up.
for (const user of demoUsers) {
  for (const vendor of user.vendors) {
    const input = { vendorId: vendorIds.get(vendor.name), ...positionOf(vendor.at), accuracyMeters: 8 };
    for (let attempt = 0; ; attempt++) {
      const result = await call(
        'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { updatedAt } }',
        { input },
        tokens.get(user.username),
      );
      const code = result.errors?.[0]?.extensions?.code;
      if (!result.errors || code === 'RATE_LIMITED') break;
      if (code !== 'NOT_FOUND' || attempt >= 50)
        throw new Error(`Cannot place ${vendor.name}: ${JSON.stringify(result.errors)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

let follows = 0;
for (const user of demoUsers) {
  const token = tokens.get(user.username);
  for (const followee of user.follows) {
    const result = await call(
      'mutation ($id: ID!) { followUser(userId: $id) { id } }',
      { id: userIds.get(followee) },
      token,
    );
    if (result.errors) throw new Error(`${user.username} cannot follow ${followee}: ${JSON.stringify(result.errors)}`);
    follows++;
  }
  for (const vendorName of vendorFollows[user.username] ?? []) {
    const result = await call(
      'mutation ($id: ID!) { followVendor(vendorId: $id) { id } }',
      { id: vendorIds.get(vendorName) },
      token,
    );
    if (result.errors)
      throw new Error(`${user.username} cannot follow ${vendorName}: ${JSON.stringify(result.errors)}`);
    follows++;
  }
}
/** Demo posts: author, optional vendor, and the colours of the images generated for them. */
const demoPosts: { author: string; vendor?: string; body: string; colours: [number, number, number][] }[] = [
  { author: 'ana', vendor: 'Ana’s Tacos', body: 'Al pastor is back on the spit tonight 🌮', colours: [[230, 120, 40]] },
  {
    author: 'ana',
    vendor: 'Salsa Stand',
    body: 'New salsa: mango habanero. Brave souls only.',
    colours: [
      [250, 190, 30],
      [200, 40, 30],
    ],
  },
  {
    author: 'ben',
    vendor: 'Rolling Roast',
    body: 'Single-origin Ethiopian on the bar today.',
    colours: [[110, 70, 40]],
  },
  {
    author: 'chloe',
    vendor: 'Green Bowl',
    body: 'Spring bowls are here: peas, mint, feta.',
    colours: [
      [90, 170, 80],
      [240, 240, 220],
    ],
  },
  { author: 'chloe', body: 'Market haul this morning, thank you growers!', colours: [[60, 140, 60]] },
];
const demoComments: { author: string; post: number; body: string }[] = [
  { author: 'ben', post: 0, body: 'Saving me a taco?' },
  { author: 'chloe', post: 0, body: 'On my way!' },
  { author: 'ana', post: 2, body: 'Best coffee in town.' },
  { author: 'dev', post: 3, body: 'Looks amazing.' },
];
const demoLikes: Record<string, number[]> = { ben: [0, 1, 3], chloe: [0, 2], dev: [0, 1, 2, 3, 4], ana: [2, 3] };

/** Uploads a generated PNG the way a client does: createUpload, then PUT to the signed URL. */
async function uploadImage(
  token: string,
  [red, green, blue]: [number, number, number],
  index: number,
): Promise<string> {
  const png = makePng(320, 240, (x, y) => [
    Math.min(255, (red + (x * 40) / 320) | 0),
    Math.min(255, (green + (y * 40) / 240) | 0),
    blue,
  ]);
  const ticket = await call<{
    createUpload: { media: { id: string }; uploadUrl: string; uploadHeaders: Record<string, string> };
  }>(
    'mutation ($input: CreateUploadInput!) { createUpload(input: $input) { media { id } uploadUrl uploadHeaders } }',
    { input: { filename: `demo-${index}.png`, contentType: 'image/png', byteSize: png.length } },
    token,
  );
  if (!ticket.data) throw new Error(`Cannot start an upload: ${JSON.stringify(ticket.errors)}`);
  const { media, uploadUrl, uploadHeaders } = ticket.data.createUpload;
  const response = await fetch(uploadUrl, { method: 'PUT', headers: uploadHeaders, body: png });
  if (!response.ok) throw new Error(`Upload refused: HTTP ${response.status} ${await response.text()}`);
  return media.id;
}

const postIds: string[] = [];
let newPosts = 0;
for (const [index, post] of demoPosts.entries()) {
  const token = tokens.get(post.author)!;
  const mine = await call<{ me: { posts: { edges: { node: { id: string; body: string } }[] } } }>(
    '{ me { posts(first: 100) { edges { node { id body } } } } }',
    {},
    token,
  );
  const existing = mine.data?.me.posts.edges.find(({ node }) => node.body === post.body);
  if (existing) {
    postIds.push(existing.node.id);
    continue;
  }
  const mediaIds = [];
  for (const [imageIndex, colour] of post.colours.entries())
    mediaIds.push(await uploadImage(token, colour, index * 10 + imageIndex));
  const input = { body: post.body, mediaIds, vendorId: post.vendor ? vendorIds.get(post.vendor) : null };
  // The post subgraph learns of new media (once the workers processed them) and vendors through their events:
  // retry while it catches up.
  for (let attempt = 0; ; attempt++) {
    const result = await call<{ createPost: { id: string } }>(
      'mutation ($input: CreatePostInput!) { createPost(input: $input) { id } }',
      { input },
      token,
    );
    if (result.data) {
      postIds.push(result.data.createPost.id);
      newPosts++;
      break;
    }
    if (attempt >= 50) throw new Error(`Cannot create a post: ${JSON.stringify(result.errors)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const comment of demoComments.filter((candidate) => candidate.post === index)) {
    const result = await call(
      'mutation ($id: ID!, $body: String!) { addComment(postId: $id, body: $body) { id } }',
      { id: postIds[index], body: comment.body },
      tokens.get(comment.author),
    );
    if (result.errors) throw new Error(`Cannot comment: ${JSON.stringify(result.errors)}`);
  }
}
for (const [username, posts] of Object.entries(demoLikes)) {
  for (const index of posts) {
    const result = await call(
      'mutation ($id: ID!) { likePost(postId: $id) { id } }',
      { id: postIds[index] },
      tokens.get(username),
    );
    if (result.errors) throw new Error(`${username} cannot like: ${JSON.stringify(result.errors)}`);
  }
}

console.log(
  `seeded: ${demoUsers.length} users (password '${demoPassword}'), ${vendorIds.size} vendors (${created} new) placed around Lisbon, ${follows} follows, ${postIds.length} posts (${newPosts} new) with generated images`,
);
