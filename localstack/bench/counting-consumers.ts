/**
 * One event consumer of the deployed host (`runConsumersMain`) with its AWS requests counted
 * (request-counter.ts), for the bench: on exit it writes the counts to BENCH_REQUEST_COUNTS_FILE.
 *
 *   BENCH_REQUEST_COUNTS_FILE=/tmp/organizer.json tsx localstack/bench/counting-consumers.ts organizer
 */
import { runConsumersMain } from "#services/consumers/main.js";
import { parseConsumerArgs } from "../consumers.js";
import { counterFromEnv } from "./request-counter.js";

const counter = counterFromEnv();
await runConsumersMain(parseConsumerArgs(process.argv.slice(2)), "bench-consumers", {
  instrument: (clients) => counter.instrument(clients),
});
