import { mediaSuite } from './media-suite.ts';

// The media suite with files on local disk (MEDIA_STORE=local); media-s3.integration.test.ts runs it on S3.
mediaSuite('local');
