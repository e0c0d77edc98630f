/** The auditor as the consumer host builds it: the domain (auditor.ts) over its S3 adapter. */
import type { ConsumerFactory } from "#services/consumers/run-consumers.js";
import { createAuditor } from "./auditor.js";
import { S3AuditStore } from "./s3-audit-store.js";

export const auditorConsumer: ConsumerFactory = {
  id: "auditor",
  create: async ({ clients, bucket }) => createAuditor({ store: new S3AuditStore(clients.s3, bucket) }),
};
