import type { AllowedContentType } from './entities.ts';

/** Bytes needed to tell the four accepted formats apart (WebP's `RIFF....WEBP` is the longest). */
export const sniffLength = 12;

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte);

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/**
 * The image type the leading bytes prove (magic numbers), whatever the client declared; null for
 * anything else (an executable, a text file, another image format, or too few bytes to tell).
 */
export function sniffImageType(bytes: Uint8Array): AllowedContentType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  return null;
}
