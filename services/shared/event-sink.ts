import type { ReportEventPublisher } from "#events/event-publisher.js";

/** The part of the event publisher a service uses (tests substitute a capturing sink). */
export type EventSink = Pick<ReportEventPublisher, "publish">;

/** A sink that also sends several events in as few PutEvents requests as fit (the worker's). */
export type BatchEventSink = Pick<ReportEventPublisher, "publish" | "publishAll">;
