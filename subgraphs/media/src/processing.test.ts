import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { maxThumbnailHeight, processImage, thumbnailHeight, UnprocessableImageError } from './processing.ts';

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3366cc' } });

/** EXIF as a phone writes it: camera, time and where the photo was taken. */
const phoneExif = {
  IFD0: { Make: 'Curbside Phone', Model: 'X1', Software: 'camera 1.0' },
  IFD2: { DateTimeOriginal: '2026:11:21 18:41:00' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '38/1 43/1 20/1',
    GPSLongitudeRef: 'W',
    GPSLongitude: '9/1 8/1 21/1',
  },
};

describe('processImage', () => {
  it('strips EXIF (GPS included), XMP and ICC from a JPEG and makes a 256-pixel-wide WebP thumbnail', async () => {
    const original = await solid(640, 480)
      .jpeg()
      .withExif(phoneExif)
      .withXmp(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>',
      )
      .withIccProfile('p3')
      .toBuffer();
    const before = await sharp(original).metadata();
    expect(before.exif?.toString('latin1')).toContain('Curbside Phone');
    expect(before.xmp?.toString('utf8')).toContain('xmpmeta');

    const processed = await processImage(original, 'image/jpeg');
    const after = await sharp(processed.image).metadata();
    expect([after.format, after.width, after.height]).toEqual(['jpeg', 640, 480]);
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expect(after.icc).toBeUndefined();
    expect(processed.image.includes(Buffer.from('Curbside Phone'))).toBe(false);
    expect([processed.width, processed.height]).toEqual([640, 480]);

    const thumbnail = await sharp(processed.thumbnail).metadata();
    expect([thumbnail.format, thumbnail.width, thumbnail.height, thumbnail.exif]).toEqual([
      'webp',
      256,
      192,
      undefined,
    ]);
  });

  it('strips a PNG too, keeping it a PNG', async () => {
    const original = await solid(50, 20).png().withExif(phoneExif).toBuffer();
    expect((await sharp(original).metadata()).exif?.toString('latin1')).toContain('Curbside Phone');
    const processed = await processImage(original, 'image/png');
    const after = await sharp(processed.image).metadata();
    expect([after.format, after.width, after.height, after.exif]).toEqual(['png', 50, 20, undefined]);
    // Smaller than a thumbnail: enlarged, so every thumbnail is 256 pixels wide.
    expect((await sharp(processed.thumbnail).metadata()).width).toBe(256);
  });

  it('applies the EXIF orientation to the pixels before dropping it', async () => {
    // Stored 300×200, shown rotated a quarter turn: 200×300.
    const original = await solid(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const processed = await processImage(original, 'image/jpeg');
    const after = await sharp(processed.image).metadata();
    expect([after.width, after.height, after.orientation]).toEqual([200, 300, undefined]);
    expect((await sharp(processed.thumbnail).metadata()).height).toBe(384);
  });

  it('keeps every frame of an animated GIF; the thumbnail is the first frame', async () => {
    const frames = await Promise.all(
      [0, 1, 2].map((index) =>
        sharp({ create: { width: 20, height: 10, channels: 3, background: { r: index * 100, g: 0, b: 0 } } })
          .raw()
          .toBuffer(),
      ),
    );
    const original = await sharp(Buffer.concat(frames), { raw: { width: 20, height: 30, channels: 3, pageHeight: 10 } })
      .gif()
      .toBuffer();
    const processed = await processImage(original, 'image/gif');
    const after = await sharp(processed.image, { animated: true }).metadata();
    expect([after.format, after.pages, after.width, after.pageHeight]).toEqual(['gif', 3, 20, 10]);
    expect([processed.width, processed.height]).toEqual([20, 10]);
    const thumbnail = await sharp(processed.thumbnail, { animated: true }).metadata();
    expect([thumbnail.width, thumbnail.height, thumbnail.pages ?? 1]).toEqual([256, 128, 1]);
  });

  it('crops the thumbnail of a very tall image to its middle', async () => {
    const processed = await processImage(await solid(10, 4000).png().toBuffer(), 'image/png');
    const thumbnail = await sharp(processed.thumbnail).metadata();
    expect([thumbnail.width, thumbnail.height]).toEqual([256, maxThumbnailHeight]);
    expect(thumbnailHeight(4000, 1)).toBe(1);
  });

  it('refuses an image whose header reads but whose pixels do not decode', async () => {
    const complete = await solid(64, 64).png().toBuffer();
    const truncated = complete.subarray(0, complete.length - 20);
    expect((await sharp(truncated).metadata()).width).toBe(64); // the upload's header check passes
    await expect(processImage(truncated, 'image/png')).rejects.toThrow(UnprocessableImageError);
    await expect(processImage(truncated, 'image/png')).rejects.toThrow(/could not be processed: .+/);
  });

  it('refuses to decode more than 100 megapixels (a small file can describe a huge image)', async () => {
    // A small PNG whose header says 12,000 × 12,000: the limit applies to the header, before any decoding.
    const bomb = Buffer.from(await solid(1, 1).png().toBuffer());
    bomb.writeUInt32BE(12_000, 16);
    bomb.writeUInt32BE(12_000, 20);
    bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29); // IHDR's CRC covers its type and data
    await expect(processImage(bomb, 'image/png')).rejects.toThrow(/pixel limit/);
  });
});
