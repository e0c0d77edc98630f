/** Process entry of the `reports` CLI (bin/reports.js loads it through tsx in a checkout; the image runs `node dist/services/cli/cli.js`). */
import { processContext } from "./context.js";
import { run } from "./main.js";

const controller = new AbortController();
const ctx = processContext(controller.signal);
// The first Ctrl-C lets the command remove its temporary queue and rule; a second one exits at once.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nreports: ${signal}, cleaning up...\n`);
    controller.abort();
    process.once(signal, () => process.exit(130));
  });
}
try {
  process.exitCode = await run(process.argv.slice(2), ctx);
} finally {
  ctx.dispose();
}
