/**
 * The S3 end of the streaming benchmark (kept out of services/reports, whose domain imports no AWS SDK):
 * a writable stream that uploads what is written to it as a multipart upload through @aws-sdk/lib-storage,
 * `partSize` bytes a part, `queueSize` parts in flight — so the bytes buffered are about partSize × queueSize.
 */
import { PassThrough } from "node:stream";
import { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

export function s3MultipartSink(options: {
  bucket: string;
  key: string;
  partSize: number;
  queueSize: number;
  contentType: string;
}): { body: PassThrough; done: () => Promise<void> } {
  const s3 = new S3Client({ forcePathStyle: true });
  const body = new PassThrough({ highWaterMark: 64 * 1024 });
  const upload = new Upload({
    client: s3,
    partSize: options.partSize,
    queueSize: options.queueSize,
    leavePartsOnError: false,
    params: {
      Bucket: options.bucket,
      Key: options.key,
      Body: body,
      ContentType: options.contentType,
      ContentEncoding: "gzip",
    },
  });
  const finished = upload.done();
  return {
    body,
    done: async () => {
      try {
        await finished;
      } finally {
        s3.destroy();
      }
    },
  };
}
