import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { distanceMeters, fixOf } from './live.ts';
import { checkCircle, checkPosition, maxLatitude } from './locations.ts';
import { changeOf, type LocationVendorEvent } from './vendor-copy.ts';

/** What `run` threw, as its code and field problems; fails when it did not throw. */
function refusal(run: () => unknown): { code: unknown; fields: unknown } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return { code: error.extensions['code'], fields: error.extensions['fields'] };
  }
  throw new Error('expected a refusal');
}

const lisbon = { lat: 38.7223, lng: -9.1393 };

describe('checkPosition', () => {
  it('accepts the edges of the distance index (±85.05112878°) and returns the accuracy, null when not given', () => {
    expect(checkPosition({ lat: maxLatitude, lng: 180 })).toBeNull();
    expect(checkPosition({ lat: -maxLatitude, lng: -180, accuracyMeters: null })).toBeNull();
    expect(checkPosition({ ...lisbon, accuracyMeters: 0 })).toBe(0);
    expect(checkPosition({ ...lisbon, accuracyMeters: 100_000 })).toBe(100_000);
  });

  it('refuses every bad field at once, saying what was expected and what came', () => {
    expect(refusal(() => checkPosition({ lat: 90.5, lng: -181, accuracyMeters: -1 }))).toEqual({
      code: 'BAD_USER_INPUT',
      fields: {
        lat: 'expected a latitude from -85.05112878 to 85.05112878, got 90.5',
        lng: 'expected a longitude from -180 to 180, got -181',
        accuracyMeters: 'expected 0 to 100000 meters, got -1',
      },
    });
  });

  it('refuses the polar latitudes the distance index cannot hold (Redis would fail the search)', () => {
    expect(refusal(() => checkPosition({ lat: 89, lng: 0 })).fields).toEqual({
      lat: 'expected a latitude from -85.05112878 to 85.05112878, got 89',
    });
    expect(Object.keys(refusal(() => checkCircle({ lat: -90, lng: 70, radiusMeters: 22 })).fields as object)).toEqual([
      'lat',
    ]);
  });

  it('refuses numbers that are not finite', () => {
    const { fields } = refusal(() => checkPosition({ lat: Number.NaN, lng: Infinity, accuracyMeters: Infinity }));
    expect(Object.keys(fields as object).sort()).toEqual(['accuracyMeters', 'lat', 'lng']);
  });

  it('refuses an accuracy past 100 km', () => {
    expect(refusal(() => checkPosition({ ...lisbon, accuracyMeters: 100_001 })).fields).toEqual({
      accuracyMeters: 'expected 0 to 100000 meters, got 100001',
    });
  });
});

describe('checkCircle', () => {
  it('accepts a radius from 1 m to 50 km', () => {
    expect(() => checkCircle({ ...lisbon, radiusMeters: 1 })).not.toThrow();
    expect(() => checkCircle({ ...lisbon, radiusMeters: 50_000 })).not.toThrow();
  });

  it('refuses a radius outside 1 m to 50 km, and a bad center, together', () => {
    expect(refusal(() => checkCircle({ lat: -91, lng: 0, radiusMeters: 0.5 }))).toEqual({
      code: 'BAD_USER_INPUT',
      fields: {
        lat: 'expected a latitude from -85.05112878 to 85.05112878, got -91',
        radiusMeters: 'expected 1 to 50000 meters, got 0.5',
      },
    });
    expect(refusal(() => checkCircle({ ...lisbon, radiusMeters: 50_001 })).fields).toEqual({
      radiusMeters: 'expected 1 to 50000 meters, got 50001',
    });
    expect(Object.keys(refusal(() => checkCircle({ ...lisbon, radiusMeters: Number.NaN })).fields as object)).toEqual([
      'radiusMeters',
    ]);
  });
});

describe('distanceMeters', () => {
  it('is zero from a point to itself, and the same both ways', () => {
    const porto = { lat: 41.1579, lng: -8.6291 };
    expect(distanceMeters(lisbon, lisbon)).toBe(0);
    expect(distanceMeters(lisbon, porto)).toBeCloseTo(distanceMeters(porto, lisbon), 6);
  });

  it("measures a degree of latitude as about 111.2 km on Redis's earth", () => {
    // 2 * pi * 6_372_797.56 m / 360
    expect(distanceMeters({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(111_226.3, 0);
  });

  it('shrinks a degree of longitude with the cosine of the latitude', () => {
    const atEquator = distanceMeters({ lat: 0, lng: 0 }, { lat: 0, lng: 1 });
    const atSixty = distanceMeters({ lat: 60, lng: 0 }, { lat: 60, lng: 1 });
    expect(atSixty / atEquator).toBeCloseTo(0.5, 3);
  });

  it('goes the short way across the antimeridian, and stays finite between antipodes', () => {
    const west = { lat: 0, lng: 179.9 };
    const east = { lat: 0, lng: -179.9 };
    expect(distanceMeters(west, east)).toBeCloseTo(distanceMeters({ lat: 0, lng: 0 }, { lat: 0, lng: 0.2 }), 3);
    const halfway = Math.PI * 6_372_797.560856;
    expect(distanceMeters({ lat: 0, lng: 0 }, { lat: 0, lng: 180 })).toBeCloseTo(halfway, 3);
  });

  it('agrees with a 100 m step north (the radius filter of vendorsNearby subscriptions)', () => {
    const north = { lat: lisbon.lat + 100 / 111_226.3, lng: lisbon.lng };
    expect(distanceMeters(lisbon, north)).toBeCloseTo(100, 1);
  });
});

describe('fixOf', () => {
  it('turns an event back into the position it announces, its time a Date', () => {
    const event = { vendorId: 'v', ...lisbon, accuracyMeters: null, updatedAt: '2026-12-01T10:00:00.000Z' };
    expect(fixOf(event)).toEqual({ ...event, updatedAt: new Date('2026-12-01T10:00:00.000Z') });
  });
});

describe('changeOf (what a vendor event does to the copy)', () => {
  const ids = { vendorId: '0b8a7c5e-5f6e-4c1a-9f0e-1a2b3c4d5e6f', ownerId: '1b8a7c5e-5f6e-4c1a-9f0e-1a2b3c4d5e6f' };
  const event = (name: string, payload: object): LocationVendorEvent =>
    ({ id: 'e', name, payload: { ...ids, ...payload }, occurredAt: '2026-12-01T10:00:00.000Z' }) as LocationVendorEvent;
  const details = { name: 'Taco', description: '', category: 'food' };

  it('takes the open state from created and updated', () => {
    expect(changeOf(event('vendor.created', { ...details, isOpen: true }))).toEqual({
      ...ids,
      isOpen: true,
      deleted: false,
    });
    expect(changeOf(event('vendor.updated', { ...details, isOpen: false }))).toEqual({
      ...ids,
      isOpen: false,
      deleted: false,
    });
  });

  it('opens and closes on opened and closed', () => {
    expect(changeOf(event('vendor.opened', { openedAt: '2026-12-01T10:00:00.000Z' }))).toMatchObject({ isOpen: true });
    expect(changeOf(event('vendor.closed', { closedAt: '2026-12-01T10:00:00.000Z' }))).toMatchObject({ isOpen: false });
  });

  it('marks a deleted vendor deleted and closed', () => {
    expect(changeOf(event('vendor.deleted', {}))).toEqual({ ...ids, isOpen: false, deleted: true });
  });
});
