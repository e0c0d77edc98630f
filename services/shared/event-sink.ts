import type { ReportEventPublisher } from "#events/event-publisher.js";

/** The part of the event publisher a service uses (tests substitute a capturing sink). */
export type EventSink = Pick<ReportEventPublisher, "publish">;
