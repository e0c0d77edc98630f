/**
 * LocalStack keeps everything under the launcher's state directory. These machines are containers, so
 * without the launcher's settings LocalStack resolves its directories to /var/lib/localstack and
 * /tmp/localstack, where an earlier run's certificate outlives the checkout. Asked of LocalStack's own
 * configuration module, in the venv the launcher runs, with the launcher's environment.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { ensureVenv, launchedPid, localStackEnv, STATE_DIR } from "../../local-aws.js";

const PROBE = `
import json
from localstack import config
print(json.dumps({"in_docker": config.is_in_docker, "config_dir": config.CONFIG_DIR,
                  "dirs": {k: v for k, v in vars(config.dirs).items() if v}}))
`;

describe("LocalStack's directories under the launcher", () => {
  it("all resolve inside the state directory, none in /var/lib/localstack, /tmp/localstack or $HOME", () => {
    const stateDir = mkdtempSync(join(tmpdir(), "ls-state-"));
    try {
      const env = localStackEnv(stateDir);
      const out = spawnSync(ensureVenv(), ["-c", PROBE], {
        env: { ...process.env, ...env },
        encoding: "utf8",
      });
      expect(out.status, out.stderr).toBe(0);
      const probe = JSON.parse(out.stdout.trim().split("\n").at(-1) ?? "{}") as {
        in_docker: boolean;
        config_dir: string;
        dirs: Record<string, string>;
      };

      expect(probe.in_docker).toBe(false);
      expect(Object.keys(probe.dirs)).toEqual(expect.arrayContaining(["cache", "tmp", "var_libs", "data"]));
      const outside = Object.entries({ ...probe.dirs, config_dir: probe.config_dir }).filter(
        ([, dir]) => !dir.startsWith(`${stateDir}/`),
      );
      expect(outside).toEqual([]);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe("the LocalStack this checkout started", () => {
  // with a LocalStack from Docker there is nothing on this host to check
  it.runIf(launchedPid() !== undefined)(
    "keeps S3 object data under the state directory, not in /tmp/localstack-s3-storage",
    async () => {
      const clients = createAwsClients();
      const bucket = `state-probe-${process.pid}`;
      try {
        await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
        await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x".repeat(4096) }));

        expect(readdirSync(join(STATE_DIR, "s3-storage"))).toContain(bucket);
        expect(existsSync(join("/tmp/localstack-s3-storage", bucket))).toBe(false);
      } finally {
        await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" })).catch(() => undefined);
        await clients.s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
        destroyAwsClients(clients);
      }
    },
  );
});
