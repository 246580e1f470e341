import { describe, expect, it } from 'vitest';
import { BufferedSubscription } from '@curbside/pubsub';
import { LiveResults, subscribedEntityGone } from './live-results.ts';

function source() {
  let released = 0;
  const subscription = new BufferedSubscription<{ n: number }>(10, () => void released++, Promise.resolve());
  return { subscription, released: () => released };
}

describe('LiveResults', () => {
  it('executes each event on its own, and return() releases the source while a next() is pending', async () => {
    const { subscription, released } = source();
    const executed: unknown[] = [];
    const results = new LiveResults({
      source: subscription,
      execute: async (payload) => (executed.push(payload), { data: { n: (payload as { n: number }).n } }),
      expiresAtMs: null,
    });
    subscription.push({ n: 1 });
    expect(await results.next()).toEqual({ value: { data: { n: 1 } }, done: false });
    const pending = results.next();
    await results.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(released()).toBe(1);
    expect(executed).toEqual([{ n: 1 }]);
  });

  it('ends with UNAUTHENTICATED when the token expires, releasing the source', async () => {
    const { subscription, released } = source();
    const results = new LiveResults({
      source: subscription,
      execute: async () => ({ data: {} }),
      expiresAtMs: Date.now() + 50,
    });
    await expect(results.next()).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(released()).toBe(1);
    expect(await results.next()).toEqual({ value: undefined, done: true });
  });

  it('delivers the event whose entity is gone, then ends', async () => {
    const { subscription, released } = source();
    const gone = subscribedEntityGone('Vendor v');
    const results = new LiveResults({
      source: subscription,
      execute: async () => ({ data: null, errors: [Object.assign(new Error('x'), { originalError: gone })] as never }),
      expiresAtMs: null,
    });
    subscription.push({ n: 1 });
    expect((await results.next()).done).toBe(false);
    expect(released()).toBe(1);
    expect(await results.next()).toEqual({ value: undefined, done: true });
  });
});
