import { Migration20261121020000_locations } from './Migration20261121020000_locations.ts';

/** Every migration of the location database, oldest first. */
export const migrations = [{ name: 'Migration20261121020000_locations', class: Migration20261121020000_locations }];
