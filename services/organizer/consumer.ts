/** The organizer as the consumer host builds it: the domain (organizer.ts) over its S3 adapter. */
import type { ConsumerFactory } from "#services/consumers/run-consumers.js";
import { createOrganizer } from "./organizer.js";
import { S3OrganizerStore } from "./s3-organizer-store.js";

export const organizerConsumer: ConsumerFactory = {
  id: "organizer",
  create: async ({ clients, events }) => createOrganizer({ store: new S3OrganizerStore(clients.s3), events }),
};
