/** What the notifier tells people through (its ports; AWS adapters beside them, named after SNS and S3). */

/** The notifications topic subscribers (email, HTTPS, SQS) are on. */
export interface NotificationTopic {
  /** Publishes one message; resolves with the message id. */
  publish(message: { subject: string; text: string; attributes: Record<string, string> }): Promise<string>;
}

/** Time-limited download links for organized reports. */
export interface DownloadLinks {
  link(bucket: string, key: string, expiresSeconds: number): Promise<string>;
}

/**
 * What became of one webhook POST. `refused`: the destination is not allowed (webhook-policy.ts) and no
 * connection was made. `failed` has a fixed category only, never the socket's error text, so a receipt
 * cannot serve as a port scanner; `cause` (an error code such as ECONNREFUSED) is for the log.
 */
export type WebhookResult =
  | { kind: "answered"; status: number }
  | { kind: "refused"; reason: string }
  | { kind: "failed"; category: "connection failed" | "timed out"; cause?: string };

/** POSTs webhooks, deciding first whether the destination may be reached at all. */
export interface WebhookSender {
  post(
    url: string,
    request: { headers: Record<string, string>; body: string; timeoutMs: number },
  ): Promise<WebhookResult>;
}
