import { Migration20261121000000_vendors } from './Migration20261121000000_vendors.ts';

/** Every migration of the vendor database, oldest first. */
export const migrations = [{ name: 'Migration20261121000000_vendors', class: Migration20261121000000_vendors }];
