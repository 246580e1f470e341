import { describe, expect, it } from 'vitest';
import type { FormattedExecutionResult } from 'graphql';
import { AuthorizationGate } from './authorization-gate.ts';
import type { EventConsumer } from './resume.ts';

/** A consumer that writes down what reaches it. */
function recorder() {
  const seen: unknown[] = [];
  const target: EventConsumer = {
    push: (result) => void seen.push(result.data),
    complete: () => void seen.push('complete'),
    fail: (error) => void seen.push({ failed: error }),
  };
  return { seen, target };
}

const event = (n: number): FormattedExecutionResult => ({ data: { n } });

describe('AuthorizationGate', () => {
  it('holds events until the viewer is authorized, then delivers them in order and the rest as they come', () => {
    const { seen, target } = recorder();
    const gate = new AuthorizationGate({ target, capacity: 10, onDrop: () => undefined });
    gate.push(event(1));
    gate.push(event(2));
    expect(seen).toEqual([]);
    gate.open();
    gate.push(event(3));
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('gives a refused viewer the refusal alone: nothing held, nothing after, not the upstream ending', () => {
    const { seen, target } = recorder();
    const gate = new AuthorizationGate({ target, capacity: 10, onDrop: () => undefined });
    gate.push(event(1));
    gate.fail(new Error('upstream gone'));
    gate.refuse((to) => to.fail('FORBIDDEN'));
    gate.push(event(2));
    gate.open();
    expect(seen).toEqual([{ failed: 'FORBIDDEN' }]);
  });

  it('passes an ending that came while waiting after the held events, once authorized', () => {
    const { seen, target } = recorder();
    const gate = new AuthorizationGate({ target, capacity: 10, onDrop: () => undefined });
    gate.push(event(1));
    gate.complete();
    gate.push(event(2)); // nothing comes after an ending
    gate.open();
    expect(seen).toEqual([{ n: 1 }, 'complete']);
  });

  it('drops the oldest held event past its capacity, counting it', () => {
    const { seen, target } = recorder();
    let dropped = 0;
    const gate = new AuthorizationGate({ target, capacity: 2, onDrop: () => dropped++ });
    for (const n of [1, 2, 3]) gate.push(event(n));
    gate.open();
    expect(seen).toEqual([{ n: 2 }, { n: 3 }]);
    expect(dropped).toBe(1);
  });
});
