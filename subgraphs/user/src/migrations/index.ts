import { Migration20261121000000_accounts } from './Migration20261121000000_accounts.ts';

/** Every migration of the user database, oldest first. */
export const migrations = [{ name: 'Migration20261121000000_accounts', class: Migration20261121000000_accounts }];
