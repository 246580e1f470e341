import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an upload URL's signature covers: the request it allows, until when, and what it must carry. */
export interface UploadGrant {
  method: string;
  /** The path the media subgraph serves, such as `/media/uploads/<id>`. */
  path: string;
  /** Epoch milliseconds after which the URL is refused. */
  expires: number;
  byteSize: number;
  contentType: string;
}

const signaturePattern = /^[0-9a-f]{64}$/;

/**
 * HMAC-SHA256 signatures of upload URLs. The fields are joined with newlines, which none of them can
 * contain (the path is a fixed prefix and a UUID, the type one of four values), so no two grants share
 * a signed text.
 */
export function makeUploadSigner(secretHex: string) {
  const key = Buffer.from(secretHex, 'hex');
  if (key.length < 16) throw new Error('the upload signing secret must be at least 16 bytes of hex');
  const mac = (grant: UploadGrant) =>
    createHmac('sha256', key)
      .update([grant.method.toUpperCase(), grant.path, grant.expires, grant.byteSize, grant.contentType].join('\n'))
      .digest();
  return {
    /** Lowercase hex, 64 characters. */
    sign: (grant: UploadGrant): string => mac(grant).toString('hex'),
    /** Compares in constant time; anything that is not 64 hex characters is simply wrong. */
    verify(grant: UploadGrant, signature: string): boolean {
      if (!signaturePattern.test(signature)) return false;
      return timingSafeEqual(mac(grant), Buffer.from(signature, 'hex'));
    },
  };
}

export type UploadSigner = ReturnType<typeof makeUploadSigner>;
