// A real S3 API for tests: @20minutes/s3rver 5.0.0 on 127.0.0.1 (port 0) with one pre-created bucket.
// It verifies SigV4 on PutObject/GetObject/HeadObject (a wrong secret → 403 SignatureDoesNotMatch).
// Its CreateBucket and ListObjectsV2 mis-verify signatures, so the bucket is configured at start and
// objects are read back by key with GetObject.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import S3rver from "@20minutes/s3rver";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export type S3Receiver = {
  endpoint: string;
  bucket: string;
  /** Reads an object back through the real S3 API: exact bytes, content type and user metadata. */
  getObject(key: string): Promise<{ body: Buffer; contentType: string | undefined; metadata: Record<string, string> }>;
  close(): Promise<void>;
};

export async function startS3Receiver(bucket = "traces"): Promise<S3Receiver> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "tracecast-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  return {
    endpoint,
    bucket,
    async getObject(key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { body: Buffer.from(await out.Body!.transformToByteArray()), contentType: out.ContentType, metadata: out.Metadata ?? {} };
    },
    async close() {
      client.destroy();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
