import { createServer } from 'node:http';
import { closeServer, listen } from '@curbside/http';

/**
 * A port held for a server that must know its URL before it starts (the e2e gateway, whose origin the media
 * subgraph builds its public URLs on; a private redis-server). It is drawn below the kernel's ephemeral range
 * (32768 and up), so no `listen(0)` or outgoing connection of a concurrent test can be handed it, and the probe
 * holds it until `release()`, called just before the real server binds: a port chosen and freed at once was
 * taken by another test file's server in the seconds the stack took to start (EADDRINUSE in CI).
 */
export async function reservePort(): Promise<{ port: number; release(): Promise<void> }> {
  const [low, high] = [20_000, 32_000];
  for (let attempt = 0; ; attempt += 1) {
    const probe = createServer();
    const candidate = low + Math.floor(Math.random() * (high - low));
    try {
      const port = await listen(probe, candidate, '127.0.0.1');
      return { port, release: () => closeServer(probe) };
    } catch (error) {
      if (attempt >= 50) throw error;
    }
  }
}
