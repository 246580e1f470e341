/**
 * `pnpm seed`: demo users and vendors, loaded through the running gateway (so every row goes through
 * the same validation, hashing and outbox as a real client's). Idempotent: signs in users that exist,
 * and creates only the vendors a user does not have yet.
 */
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
console.log(
  `seeded: ${demoUsers.length} users (password '${demoPassword}'), ${vendorIds.size} vendors (${created} new) placed around Lisbon, ${follows} follows`,
);
