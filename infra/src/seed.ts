/**
 * `pnpm seed`: demo users and vendors, loaded through the running gateway (so every row goes through
 * the same validation, hashing and outbox as a real client's). Idempotent: signs in users that exist,
 * and creates only the vendors a user does not have yet.
 */
const gatewayUrl = process.env['GATEWAY_URL'] ?? 'http://127.0.0.1:4000/graphql';

/** Every demo account shares this password: demo data only. */
const demoPassword = 'curbside-demo-password';

const demoUsers = [
  {
    username: 'ana',
    displayName: 'Ana Tacos',
    vendors: [
      {
        name: 'Ana’s Tacos',
        category: 'FOOD_TRUCK',
        description: 'Al pastor and fresh tortillas, lunch and late night.',
      },
      { name: 'Salsa Stand', category: 'MARKET_STALL', description: 'Six salsas, from mild to unreasonable.' },
    ],
  },
  {
    username: 'ben',
    displayName: 'Ben Brews',
    vendors: [{ name: 'Rolling Roast', category: 'CAFE', description: 'Espresso from a converted horse trailer.' }],
  },
  {
    username: 'chloe',
    displayName: 'Chloe Greens',
    vendors: [
      { name: 'Green Bowl', category: 'RESTAURANT', description: 'Grain bowls and seasonal salads.' },
      { name: 'Saturday Farm Stall', category: 'MARKET_STALL', description: 'Vegetables picked the day before.' },
    ],
  },
  { username: 'dev', displayName: 'Demo Developer', vendors: [] },
] as const;

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
for (const user of demoUsers) {
  const token = await signIn(user.username, user.displayName);
  const me = await call<{ me: { vendors: { name: string }[] } }>('{ me { vendors { name } } }', {}, token);
  const existing = new Set(me.data?.me.vendors.map((vendor) => vendor.name));
  for (const vendor of user.vendors) {
    if (existing.has(vendor.name)) continue;
    const result = await call(
      'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
      { input: vendor },
      token,
    );
    if (result.errors) throw new Error(`Cannot create ${vendor.name}: ${JSON.stringify(result.errors)}`);
    created++;
  }
}
console.log(`seeded: ${demoUsers.length} users (password '${demoPassword}'), ${created} new vendors`);
