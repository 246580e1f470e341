import { describe, expect, it } from 'vitest';
import { mapConcurrently } from './map-concurrently.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('mapConcurrently', () => {
  it('keeps the order of the items and never runs more than the limit at once', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapConcurrently([5, 1, 4, 2, 3, 0, 6], 3, async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      for (let i = 0; i < item; i++) await tick();
      inFlight--;
      return item * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(most).toBe(3);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    await expect(
      mapConcurrently([0, 1, 2, 3, 4], 2, async (item) => {
        started.push(item);
        await tick();
        if (item === 1) throw new Error('item 1 failed');
        return item;
      }),
    ).rejects.toThrow('item 1 failed');
    await tick();
    expect(started).toEqual([0, 1, 2]);
  });

  it('answers an empty list with an empty list, and refuses a limit below one', async () => {
    expect(await mapConcurrently([], 4, async () => 1)).toEqual([]);
    await expect(mapConcurrently([1], 0, async () => 1)).rejects.toThrow(RangeError);
  });
});
