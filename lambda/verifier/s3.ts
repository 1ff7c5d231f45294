/**
 * The S3 part of the verifier, bundled into a file of its own (`assets/verifier/s3.js`) and required on first use
 * (`s3Client` in `index.ts`): a container that never stores a body neither parses nor evaluates it, so the
 * verifier's bundle and cold start stay those of the three other clients. Measured with `npm run bench`.
 */
export { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
