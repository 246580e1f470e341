/** `pnpm admin:grant <username>`: makes an existing user an admin (effective from their next access token). */
import { MikroORM } from '@mikro-orm/postgresql';
import { entities, grantAdmin } from '@curbside/user-subgraph';
import { serviceDatabase } from './databases.ts';
import { subgraphServices } from './services.ts';

const username = process.argv[2];
if (!username) {
  console.error('Usage: pnpm admin:grant <username>');
  process.exit(2);
}
const userService = subgraphServices.find((service) => service.name === 'user')!;
const orm = await MikroORM.init({
  clientUrl: serviceDatabase(userService).url,
  entities,
  pool: { min: 0, max: 1 },
  ensureDatabase: false,
});
try {
  if (await grantAdmin(orm.em.fork(), username)) {
    console.log(`${username} is now an admin (from their next sign-in or token refresh).`);
  } else {
    console.error(`No user named '${username}'.`);
    process.exitCode = 1;
  }
} finally {
  await orm.close();
}
