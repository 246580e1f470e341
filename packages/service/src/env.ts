import { z } from 'zod';

/** A configuration problem found at boot; `problems` lists every bad variable at once. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Parses environment variables against a schema, reporting every problem in one error. */
export function parseEnv<Schema extends z.ZodType>(schema: Schema, source: NodeJS.ProcessEnv): z.infer<Schema> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
}

/** A TCP port from a string; 0 asks the OS for a free one. */
export const portSchema = z.coerce.number().int().min(0).max(65_535);
/** Redis, shared by every service; keys are namespaced by `REDIS_KEY_PREFIX`. */
export const redisUrlSchema = z.string().default('redis://127.0.0.1:6379');
export const redisKeyPrefixSchema = z
  .string()
  .regex(/^[^{}]*$/, 'expects no { or } (hash tags belong to the keys)')
  .default('curbside:');
/**
 * `REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster (`host:port,host:port,...`); set, it makes every Redis
 * connection a cluster one (REDIS_URL then gives only the scheme, rediss:// for TLS, and the credentials). Default
 * none: the single server of REDIS_URL.
 */
export const redisClusterNodesSchema = z
  .string()
  .max(10_000)
  .default('')
  .transform((text, context) => {
    const nodes = text
      .split(',')
      .map((node) => node.trim())
      .filter(Boolean);
    for (const node of nodes) {
      const port = /^(?:\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(node)?.[1];
      if (!port || Number(port) < 1 || Number(port) > 65_535) {
        context.addIssue({ code: 'custom', message: `expects host:port, but got ${JSON.stringify(node)}` });
      }
    }
    return nodes;
  });
export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
