/**
 * One event consumer of the deployed host (`runConsumersMain`) with its AWS requests counted
 * (request-counter.ts), for the bench: on exit it writes the counts to BENCH_REQUEST_COUNTS_FILE.
 *
 *   BENCH_REQUEST_COUNTS_FILE=/tmp/organizer.json tsx localstack/bench/counting-consumers.ts organizer
 */
import { runConsumersMain } from "#services/consumers/main.js";
import { parseConsumerArgs } from "../consumers.js";
import { RequestCounter } from "./request-counter.js";

const file = process.env.BENCH_REQUEST_COUNTS_FILE;
if (!file) {
  console.error("BENCH_REQUEST_COUNTS_FILE is required (where the request counts go on exit)");
  process.exit(2);
}
const counter = new RequestCounter();
counter.writeOnExit(file);
await runConsumersMain(parseConsumerArgs(process.argv.slice(2)), "bench-consumers", {
  instrument: (clients) => counter.instrument(clients),
});
