/**
 * Loads the repository's .env (see .env.example), if there is one, into process.env; variables already set
 * win. Imported first by the scripts, before any module that reads the environment when it is imported
 * (local-services.ts reads POSTGRES_URL and REDIS_URL then): ES modules run in import order.
 */
import { existsSync } from 'node:fs';
import { fromRoot } from './paths.ts';

if (existsSync(fromRoot('.env'))) process.loadEnvFile(fromRoot('.env'));
