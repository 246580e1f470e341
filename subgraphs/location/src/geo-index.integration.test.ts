import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedis, deleteKeysWithPrefix, redisTargetFromEnv, type RedisClient } from '@curbside/redis';
import { geoKeys, makeGeoIndex, type GeoIndex } from './geo-index.ts';

const prefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:geo-index:`;
let redis: RedisClient;
let geo: GeoIndex;
const center = { lat: 38.7223, lng: -9.1393 };
const randomAround = (spread: number) => ({
  lat: center.lat + (Math.random() * 2 - 1) * spread,
  lng: center.lng + (Math.random() * 2 - 1) * spread,
});

beforeAll(async () => {
  redis = createRedis({
    ...redisTargetFromEnv(process.env), // the machine's Redis, or the cluster of `pnpm test:cluster`
    keyPrefix: prefix,
    connectionName: 'geo-index-test',
  });
  geo = makeGeoIndex(redis);
  // Dense in the middle, sparse around it: both the shortcut and the fallback get exercised.
  const positions = [
    ...Array.from({ length: 400 }, () => randomAround(0.01)),
    ...Array.from({ length: 400 }, () => randomAround(0.2)),
  ].map((point, index) => ({ vendorId: `v${index}`, ...point, isOpen: index % 3 === 0 }));
  async function* once() {
    yield positions;
  }
  await geo.rebuild(once());
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  await closeRedis(redis);
});

/** The reference answer: one sorted search over the whole circle. */
async function fullSearch(query: { lat: number; lng: number; radiusMeters: number; count: number; openOnly: boolean }) {
  const reply = (await redis.geosearch(
    query.openOnly ? geoKeys.open : geoKeys.all,
    'FROMLONLAT',
    query.lng,
    query.lat,
    'BYRADIUS',
    query.radiusMeters,
    'm',
    'ASC',
    'COUNT',
    query.count,
    'WITHDIST',
  )) as [string, string][];
  return reply.map(([vendorId, distance]) => ({ vendorId, distanceMeters: Number(distance) }));
}

describe('geo index search', () => {
  it('returns exactly what one full-radius search returns, for random queries', async () => {
    for (let run = 0; run < 200; run++) {
      const query = {
        ...randomAround(0.05),
        radiusMeters: 200 + Math.random() * 20_000,
        count: 1 + Math.floor(Math.random() * 30),
        openOnly: run % 2 === 0,
      };
      expect(await geo.search(query)).toEqual(await fullSearch(query));
    }
  });
});
