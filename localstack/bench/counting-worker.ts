/**
 * The deployed worker (`runWorkerProcess`) with its AWS requests counted (request-counter.ts), for the
 * bench: on exit it writes the counts, by service and operation, to BENCH_REQUEST_COUNTS_FILE. The worker
 * code is the deployed one; only the clients carry one more middleware.
 *
 *   BENCH_REQUEST_COUNTS_FILE=/tmp/counts.json tsx localstack/bench/counting-worker.ts
 */
import { runWorkerProcess } from "#services/worker/main.js";
import { counterFromEnv } from "./request-counter.js";

const counter = counterFromEnv();
await runWorkerProcess({ instrument: (clients) => counter.instrument(clients) });
