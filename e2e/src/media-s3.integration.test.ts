import { mediaSuite } from './media-suite.ts';

// The media suite with files in a bucket of an S3-compatible server (s3rver) the stack starts (MEDIA_STORE=s3).
mediaSuite('s3');
