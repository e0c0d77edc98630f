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
