import { describe, expect, it } from 'vitest';
import { sniffImageType } from './image-type.ts';
import { checkUploadInput } from './media.ts';
import { makeUploadSigner } from './signing.ts';

describe('sniffImageType', () => {
  it('tells the four accepted formats by their leading bytes, and nothing else', () => {
    const bytes = (...values: (number | string)[]) =>
      Buffer.concat(
        values.map((value) => (typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from([value]))),
      );
    expect(sniffImageType(bytes(0x89, 'PNG\r\n\x1a\n', 'rest'))).toBe('image/png');
    expect(sniffImageType(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe('image/jpeg');
    expect(sniffImageType(bytes('GIF89a'))).toBe('image/gif');
    expect(sniffImageType(bytes('GIF87a'))).toBe('image/gif');
    expect(sniffImageType(bytes('RIFF', 0, 0, 0, 0, 'WEBP'))).toBe('image/webp');
    expect(sniffImageType(bytes('RIFF', 0, 0, 0, 0, 'WAVE'))).toBeNull();
    expect(sniffImageType(bytes(0x7f, 'ELF'))).toBeNull();
    expect(sniffImageType(bytes('MZ'))).toBeNull();
    expect(sniffImageType(bytes('<svg'))).toBeNull();
    expect(sniffImageType(bytes(0x89, 'PN'))).toBeNull();
  });
});

describe('makeUploadSigner', () => {
  const signer = makeUploadSigner('ab'.repeat(32));
  const grant = { method: 'PUT', path: '/media/uploads/x', expires: 1_000, byteSize: 10, contentType: 'image/png' };

  it('verifies its own signatures and refuses any change to what they cover', () => {
    const signature = signer.sign(grant);
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(signer.verify(grant, signature)).toBe(true);
    for (const change of [
      { method: 'GET' },
      { path: '/media/uploads/y' },
      { expires: 1_001 },
      { byteSize: 11 },
      { contentType: 'image/gif' },
    ]) {
      expect(signer.verify({ ...grant, ...change }, signature)).toBe(false);
    }
    expect(makeUploadSigner('cd'.repeat(32)).verify(grant, signature)).toBe(false);
    expect(signer.verify(grant, signature.toUpperCase())).toBe(false);
    expect(signer.verify(grant, signature.slice(2))).toBe(false);
    expect(signer.verify(grant, '')).toBe(false);
  });
});

describe('checkUploadInput', () => {
  const fieldsOf = (input: { filename: string; contentType: string; byteSize: number }) => {
    try {
      checkUploadInput(input);
      return [];
    } catch (error) {
      return Object.keys((error as { extensions: { fields: object } }).extensions.fields).sort();
    }
  };

  it('accepts the bounds and names every bad field', () => {
    expect(fieldsOf({ filename: 'é'.repeat(255), contentType: 'image/webp', byteSize: 10 * 1024 * 1024 })).toEqual([]);
    expect(fieldsOf({ filename: 'a.png', contentType: 'image/png', byteSize: 1 })).toEqual([]);
    expect(fieldsOf({ filename: '', contentType: 'image/PNG', byteSize: 0 })).toEqual([
      'byteSize',
      'contentType',
      'filename',
    ]);
    for (const filename of ['a/b.png', 'a\\b.png', 'nul\u0000.png', 'x'.repeat(256)]) {
      expect(fieldsOf({ filename, contentType: 'image/png', byteSize: 1 })).toEqual(['filename']);
    }
    expect(fieldsOf({ filename: 'a', contentType: 'image/png', byteSize: 10 * 1024 * 1024 + 1 })).toEqual(['byteSize']);
    expect(fieldsOf({ filename: 'a', contentType: 'image/png', byteSize: 1.5 })).toEqual(['byteSize']);
  });
});
