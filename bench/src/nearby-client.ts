/**
 * A load generator in a process of its own, for `bench:nearby`: sends vendorsNearby searches to a URL and
 * prints the run as JSON. Kept apart from the benchmark's in-process stack so its event loop (relays,
 * consumers, gateway) does not add to the latency measured.
 */
import { Agent } from 'node:http';
import { postJson } from './common/http.ts';
import { printRun } from './common/processes.ts';
import { runConcurrent } from './common/stats.ts';

/** Keep-alive sockets, one per concurrent request: what a real client or gateway pool does. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

const [url, total, concurrency] = [new URL(process.argv[2]!), Number(process.argv[3]), Number(process.argv[4])];
const city = { lat: 38.7223, lng: -9.1393, spread: 0.15 };
const query = `query ($lat: Float!, $lng: Float!) {
  vendorsNearby(lat: $lat, lng: $lng, radiusMeters: 2000, first: 20) { distanceMeters vendor { id location { lat lng } } }
}`;

const search = async () => {
  const point = {
    lat: city.lat + (Math.random() * 2 - 1) * city.spread,
    lng: city.lng + (Math.random() * 2 - 1) * city.spread,
  };
  const response = await postJson(agent, url, JSON.stringify({ query, variables: point }));
  const body = JSON.parse(response.text) as {
    data?: { vendorsNearby: { distanceMeters: number }[] };
    errors?: unknown;
  };
  if (response.status !== 200 || body.errors || !body.data)
    throw new Error(`HTTP ${response.status}: ${response.text}`);
  const data = body.data;
  const distances = data.vendorsNearby.map((hit) => hit.distanceMeters);
  if (distances.length === 0) throw new Error('no vendor within 2 km of a point in the city');
  if (distances.some((distance, index) => distance > 2000 || (index > 0 && distance < distances[index - 1]!))) {
    throw new Error(`vendorsNearby out of order or radius: ${distances.join(', ')}`);
  }
};

await runConcurrent(200, Math.min(4, concurrency), search); // warm-up, not reported
printRun(await runConcurrent(total, concurrency, search));
agent.destroy();
