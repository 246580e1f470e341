import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makePng } from './index.ts';

describe('makePng', () => {
  it('writes a PNG whose header and pixels read back', () => {
    const png = makePng(3, 2, (x, y) => [x * 10, y * 20, 255]);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([3, 2]);
    const dataLength = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('ascii')).toBe('IDAT');
    const rows = inflateSync(png.subarray(41, 41 + dataLength));
    // Second row (y = 1), third pixel (x = 2): filter byte, then RGB.
    expect([...rows.subarray(10 + 1 + 6, 10 + 1 + 9)]).toEqual([20, 20, 255]);
  });

  it('refuses impossible dimensions', () => {
    expect(() => makePng(0, 5, () => [0, 0, 0])).toThrow(RangeError);
  });
});
