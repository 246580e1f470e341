import sharp, { type Sharp } from 'sharp';
import type { AllowedContentType } from './entities.ts';

/** Width of every thumbnail: 256 pixels. */
export const thumbnailWidth = 256;
/** Tallest thumbnail: 1,024 pixels (four times its width); a taller image's thumbnail is its middle. */
export const maxThumbnailHeight = 1024;
/**
 * Largest image decoded: 100 megapixels. The upload limit is on bytes (10 MB), and a few hundred kilobytes
 * of PNG can describe billions of pixels; decoding those would exhaust the worker's memory.
 */
export const maxInputPixels = 100_000_000;

/** An image that can never be processed (it does not decode, or is too large): the media becomes FAILED. */
export class UnprocessableImageError extends Error {
  override readonly name = 'UnprocessableImageError';
}

export interface ProcessedImage {
  /** What is served: the same format, orientation applied, every metadata block (EXIF with GPS, XMP, IPTC, ICC, comments) left out. */
  image: Buffer;
  /** Pixels of the served image (one frame's height for an animation). */
  width: number;
  height: number;
  /** WebP, `thumbnailWidth` wide, of the first frame. */
  thumbnail: Buffer;
}

/** sharp's decoder options: a warning (a slightly damaged JPEG that still decodes) is not a failure. */
const decodeOptions = { limitInputPixels: maxInputPixels, failOn: 'error' } as const;

/** Re-encodes in the same format. Re-encoding rather than editing metadata blocks leaves nothing behind. */
function encodeAs(pipeline: Sharp, contentType: AllowedContentType): Sharp {
  switch (contentType) {
    case 'image/jpeg':
      return pipeline.jpeg({ quality: 90 });
    case 'image/png':
      return pipeline.png();
    case 'image/webp':
      return pipeline.webp({ quality: 90 });
    case 'image/gif':
      return pipeline.gif();
  }
}

/** Thumbnail height: the image's proportions at `thumbnailWidth`, from 1 to `maxThumbnailHeight`. */
export function thumbnailHeight(width: number, height: number): number {
  return Math.min(maxThumbnailHeight, Math.max(1, Math.round((thumbnailWidth * height) / width)));
}

/**
 * The served image and the thumbnail of an uploaded image. sharp writes no metadata unless asked to
 * (`keepMetadata`, `withExif`...), so the outputs carry none; EXIF orientation is applied to the pixels
 * first, so that the image still shows the right way up without it. Animated GIF and WebP keep their frames.
 * Throws UnprocessableImageError for an image that cannot be decoded or has too many pixels.
 */
export async function processImage(original: Buffer, contentType: AllowedContentType): Promise<ProcessedImage> {
  try {
    const served = await encodeAs(
      sharp(original, { ...decodeOptions, animated: true }).autoOrient(),
      contentType,
    ).toBuffer({
      resolveWithObject: true,
    });
    const width = served.info.width;
    const height = served.info.pageHeight ?? served.info.height;
    const thumbnail = await sharp(original, decodeOptions)
      .autoOrient()
      .resize({ width: thumbnailWidth, height: thumbnailHeight(width, height), fit: 'cover' })
      .webp({ quality: 80 })
      .toBuffer();
    return { image: served.data, width, height, thumbnail };
  } catch (error) {
    // sharp's errors are about the input (libvips cannot decode it, or it is over the pixel limit).
    const detail = error instanceof Error ? error.message.split('\n')[0]!.trim() : String(error);
    throw new UnprocessableImageError(`The image could not be processed: ${detail}`.slice(0, 500));
  }
}
