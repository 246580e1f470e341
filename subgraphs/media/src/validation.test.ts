import { outcomeWithinHangGuard } from '@curbside/fixtures';
import { describe, expect, it } from 'vitest';
import { checkUploadInput, maxFilenameLength } from './media.ts';
import { ifNoneMatchHits } from './routes.ts';
import { makeUploadSigner } from './signing.ts';

const megabyte = 1 << 20;
const headerLimit = 16 * 1024;

const refused = (fields: Record<string, unknown>) =>
  expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields }) });

const hostile = ['a'.repeat(megabyte), `${' '.repeat(megabyte)}x`, '🌮'.repeat(megabyte / 2), '/\\'.repeat(megabyte)];

describe('media input on hostile sizes', () => {
  it('refuses a megabyte-long file name or content type, quoting neither back in full', async () => {
    const valid = { filename: 'photo.png', contentType: 'image/png', byteSize: 10 };
    expect(checkUploadInput({ ...valid, filename: '🌮'.repeat(maxFilenameLength) }).filename).toHaveLength(510);
    for (const value of hostile) {
      const byName = await outcomeWithinHangGuard(() => checkUploadInput({ ...valid, filename: value }));
      expect(byName).toEqual(refused({ filename: `expected 1 to 255 characters, got ${value.length}` }));
      const byType = await outcomeWithinHangGuard(() => checkUploadInput({ ...valid, contentType: value }));
      expect(byType).toEqual(refused({ contentType: `expected at most 100 characters, got ${value.length}` }));
    }
    const slashes = await outcomeWithinHangGuard(() =>
      checkUploadInput({ ...valid, filename: '/'.repeat(maxFilenameLength) }),
    );
    expect((slashes as Error).message.length).toBeLessThan(300);
  });

  it('reads hostile upload headers and signatures in linear time', async () => {
    const signer = makeUploadSigner('ab'.repeat(32));
    const grant = { method: 'PUT', path: '/media/uploads/x', expires: 1, byteSize: 1, contentType: 'image/png' };
    for (const value of hostile) {
      expect(await outcomeWithinHangGuard(() => signer.verify(grant, value))).toBe(false);
      // Node refuses a request whose headers pass 16 KiB (--max-http-header-size), so no header is longer.
      const header = `W/${value.slice(0, headerLimit / 2)},${', W/'.repeat(headerLimit / 8)}`;
      expect(await outcomeWithinHangGuard(() => ifNoneMatchHits(header, '"abc"'))).toBe(false);
    }
  });
});
