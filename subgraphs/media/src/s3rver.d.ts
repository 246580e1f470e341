/** The part of s3rver (an S3-compatible server on the local disk, used by tests) that the tests use; it ships no types. */
declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    /** 0: a port chosen by the OS. */
    port?: number;
    silent?: boolean;
    /** Where buckets and objects are kept. */
    directory?: string;
    configureBuckets?: { name: string }[];
  }
  export default class S3rver {
    constructor(options?: S3rverOptions);
    /** Creates the configured buckets and listens. */
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
