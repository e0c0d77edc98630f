/**
 * LocalStack keeps everything under the launcher's state directory. These machines are containers, so
 * without the launcher's settings LocalStack resolves its directories to /var/lib/localstack and
 * /tmp/localstack, where an earlier run's certificate outlives the checkout. Asked of LocalStack's own
 * configuration module, in the venv the launcher runs, with the launcher's environment.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureVenv, localStackEnv } from "../../local-aws.js";

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
