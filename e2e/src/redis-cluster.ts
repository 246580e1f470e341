/**
 * A Redis Cluster of a test's own, started from the machine's `redis-server`: primaries and their replicas on
 * loopback ports drawn by `reservePort` (data and cluster-bus ports both, below the ephemeral range), each node in
 * its own temporary folder. A test may kill -9 a primary and watch its replica take over.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { reservePort } from './ports.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

export interface ClusterNodeInfo {
  /** `127.0.0.1:<port>` */
  address: string;
  port: number;
  role: 'primary' | 'replica';
  /** Whether its process runs (false once killed). */
  running: boolean;
}

export interface TestRedisCluster {
  /** Seed nodes (`host:port`), as `REDIS_CLUSTER_NODES` takes them: every node of the cluster. */
  nodes: string[];
  /** `redis://127.0.0.1:<first node>`: the scheme and credentials every node shares. */
  url: string;
  /** The primary serving `key`'s slot now. */
  primaryOf(key: string): Promise<ClusterNodeInfo>;
  /** The nodes and their roles as the cluster sees them now (killed nodes reported as not running). */
  describe(): Promise<ClusterNodeInfo[]>;
  /** kill -9 the node on `port`: no shutdown, no final write. */
  kill(port: number): Promise<void>;
  /** Resolves once every slot is served again (cluster_state:ok on every running node); rejects after `timeoutMs`. */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Resolves once the node on `port` (killed) is marked failed by every running node and its slots are served
   * again, by the replica promoted in its place; rejects after `timeoutMs` (default 30 s).
   */
  waitForFailover(port: number, timeoutMs?: number): Promise<void>;
  /** Kills every node and removes their folders; idempotent. */
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Default 3. */
  primaries?: number;
  /** Replicas of each primary. Default 1. */
  replicasPerPrimary?: number;
  /**
   * How long a node is unreachable before the others fail it over (`cluster-node-timeout`). Default 1,000 ms:
   * small, so a failover test waits a couple of seconds rather than the production default's 15.
   */
  nodeTimeoutMs?: number;
}

interface Node {
  port: number;
  dir: string;
  child: ChildProcess;
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/** Starts the cluster and resolves once every slot is served; stops what it started if that fails. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<TestRedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicasPerPrimary = options.replicasPerPrimary ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1_000;
  const count = primaries * (1 + replicasPerPrimary);
  const nodes: Node[] = [];
  let stopped: Promise<void> | undefined;

  async function kill(port: number): Promise<void> {
    const node = nodes.find((candidate) => candidate.port === port);
    const child = node?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(nodes.map((node) => kill(node.port)));
      await Promise.all(nodes.map((node) => rm(node.dir, { recursive: true, force: true })));
    })());

  const isRunning = (node: Node) => node.child.exitCode === null && node.child.signalCode === null;

  async function waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      'every slot of the Redis Cluster to be served',
      async () => {
        for (const node of nodes.filter(isRunning)) {
          const info = await redisCli(node.port, 'cluster', 'info').catch(() => '');
          if (!/cluster_state:ok/.test(info)) return false;
        }
        return true;
      },
      timeoutMs,
    );
  }

  async function waitForFailover(port: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `a replica to take over from the node on ${port}`,
      async () => {
        for (const node of nodes.filter(isRunning)) {
          const lines = (await redisCli(node.port, 'cluster', 'nodes').catch(() => '')).split('\n');
          const failed = lines.find((line) => line.split(' ')[1]?.startsWith(`127.0.0.1:${port}@`));
          if (!failed || !/(^|,)fail(,|$)/.test(failed.split(' ')[2] ?? '')) return false;
        }
        return true;
      },
      timeoutMs,
    );
    await waitUntilHealthy(timeoutMs);
  }

  async function describe(): Promise<ClusterNodeInfo[]> {
    const alive = nodes.find(isRunning);
    if (!alive) throw new Error('every node of the test cluster is down');
    const lines = (await redisCli(alive.port, 'cluster', 'nodes')).trim().split('\n');
    return nodes.map((node) => {
      const line = lines.find((candidate) => candidate.split(' ')[1]?.startsWith(`127.0.0.1:${node.port}@`)) ?? '';
      const flags = line.split(' ')[2] ?? '';
      return {
        address: `127.0.0.1:${node.port}`,
        port: node.port,
        role: flags.includes('master') && !flags.includes('fail') ? 'primary' : 'replica',
        running: isRunning(node),
      };
    });
  }

  try {
    for (let index = 0; index < count; index++) {
      const [data, bus] = await Promise.all([reservePort(), reservePort()]);
      const dir = await mkdtemp(join(tmpdir(), 'curbside-redis-cluster-'));
      await Promise.all([data.release(), bus.release()]);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(data.port),
          '--cluster-port',
          String(bus.port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          String(nodeTimeoutMs),
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--logfile',
          join(dir, 'redis.log'),
        ],
        { cwd: dir, stdio: 'ignore' },
      );
      nodes.push({ port: data.port, dir, child });
    }
    for (const node of nodes) {
      const probe = new Redis(node.port, '127.0.0.1', {
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      try {
        await waitFor(`the cluster node on ${node.port} to answer`, async () => {
          try {
            if (probe.status !== 'ready') await probe.connect();
            return (await probe.ping()) === 'PONG';
          } catch {
            probe.disconnect();
            return false;
          }
        });
      } finally {
        probe.disconnect();
      }
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        String(replicasPerPrimary),
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
    await waitUntilHealthy();
    // Replicas are told their primary by `create`; wait until each one has synced, so a failover has one to promote.
    await waitFor('every replica to sync with its primary', async () => {
      const roles = await Promise.all(nodes.map((node) => redisCli(node.port, 'info', 'replication')));
      const synced = roles.filter((info) => /role:slave/.test(info) && /master_link_status:up/.test(info));
      return synced.length === primaries * replicasPerPrimary;
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    nodes: nodes.map((node) => `127.0.0.1:${node.port}`),
    url: `redis://127.0.0.1:${nodes[0]!.port}`,
    async primaryOf(key) {
      const alive = nodes.find(isRunning)!;
      const slot = Number((await redisCli(alive.port, 'cluster', 'keyslot', key)).trim());
      const described = await describe();
      const lines = (await redisCli(alive.port, 'cluster', 'nodes')).trim().split('\n');
      for (const line of lines) {
        const fields = line.split(' ');
        if (!fields[2]?.includes('master') || fields[2].includes('fail')) continue;
        for (const range of fields.slice(8)) {
          const [low, high] = range.split('-').map(Number);
          if (slot >= low! && slot <= (high ?? low!)) {
            const port = Number(fields[1]!.split('@')[0]!.split(':')[1]);
            return described.find((node) => node.port === port)!;
          }
        }
      }
      throw new Error(`no primary serves slot ${slot} of ${key}`);
    },
    describe,
    kill,
    waitUntilHealthy,
    waitForFailover,
    stop,
  };
}
