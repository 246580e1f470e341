/**
 * `node infra/dist/stack-secrets.js <file>`: writes the secrets a production-mode stack needs, as `export`
 * lines a shell sources, unless `<file>` already exists (so they survive restarts): GATEWAY_SECRET,
 * MEDIA_SIGNING_SECRET, METRICS_TOKEN (random, 32 bytes each) and AUTH_SIGNING_KEY (a new Ed25519 private JWK).
 * docker-compose.yml runs it once in its `secrets` service, into a volume every service reads at start.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';

/** Every secret, generated afresh. */
export function generateStackSecrets(): Record<string, string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    GATEWAY_SECRET: randomBytes(32).toString('hex'),
    MEDIA_SIGNING_SECRET: randomBytes(32).toString('hex'),
    METRICS_TOKEN: randomBytes(32).toString('hex'),
    AUTH_SIGNING_KEY: JSON.stringify(privateKey.export({ format: 'jwk' })),
  };
}

/** POSIX shell quoting: the value between single quotes, each single quote closed, escaped and reopened. */
const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    console.error('Usage: node infra/dist/stack-secrets.js <file>');
    process.exit(2);
  }
  if (existsSync(file)) {
    console.log(`${file} exists: keeping its secrets`);
  } else {
    const lines = Object.entries(generateStackSecrets()).map(([name, value]) => `export ${name}=${quote(value)}`);
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    console.log(`${file}: generated ${lines.length} secrets`);
  }
}
