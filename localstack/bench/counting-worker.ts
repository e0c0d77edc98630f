/**
 * The deployed worker (`runWorkerProcess`) with its AWS requests counted (request-counter.ts), for the
 * bench: on exit it writes the counts, by service and operation, to BENCH_REQUEST_COUNTS_FILE. The worker
 * code is the deployed one; only the clients carry one more middleware.
 *
 *   BENCH_REQUEST_COUNTS_FILE=/tmp/counts.json tsx localstack/bench/counting-worker.ts
 */
import { runWorkerProcess } from "#services/worker/main.js";
import { RequestCounter } from "./request-counter.js";

const file = process.env.BENCH_REQUEST_COUNTS_FILE;
if (!file) {
  console.error("BENCH_REQUEST_COUNTS_FILE is required (where the request counts go on exit)");
  process.exit(2);
}
const counter = new RequestCounter();
counter.writeOnExit(file);
await runWorkerProcess({ instrument: (clients) => counter.instrument(clients) });
