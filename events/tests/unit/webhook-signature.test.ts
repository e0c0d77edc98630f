import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  webhookSignatureHeaders,
} from "../../webhook-signature.js";

const secret = "receiver-secret-0123456789";
const url = "https://hooks.example.com/reports";
const eventId = "5b1e7c2a-2f7e-5d3a-9c1b-0a1b2c3d4e5f";
const body = JSON.stringify({ outcome: "organized", eventId });
const timestamp = 1_754_236_000;
const now = new Date(timestamp * 1000 + 30_000);

const signed = (over: Partial<Parameters<typeof signWebhook>[0]> = {}) =>
  webhookSignatureHeaders({ secret, timestamp, eventId, url, body, ...over });

describe("signWebhook", () => {
  it("is an HMAC-SHA256 over the documented canonical string", () => {
    // Prepare
    const canonical = `v1\n${timestamp}\n${eventId}\n${url}\n${body}`;

    // Act
    const signature = signWebhook({ secret, timestamp, eventId, url, body });

    // Assess
    expect(signature).toBe(`v1=${createHmac("sha256", secret).update(canonical).digest("hex")}`);
  });

  it("signs the normalised URL, so spellings of one URL agree", () => {
    expect(signWebhook({ secret, timestamp, eventId, url: "HTTPS://Hooks.Example.com:443", body })).toBe(
      signWebhook({ secret, timestamp, eventId, url: "https://hooks.example.com/", body }),
    );
  });
});

describe("verifyWebhookSignature", () => {
  it("accepts what signWebhook produced (round trip, node:http headers)", () => {
    // Act
    const result = verifyWebhookSignature({ secret, url, headers: signed(), body, now });

    // Assess
    expect(result).toEqual({ ok: true, eventId, timestamp });
  });

  it("accepts Fetch API headers and a raw Buffer body", () => {
    const headers = new Headers(signed());

    expect(verifyWebhookSignature({ secret, url, headers, body: Buffer.from(body), now }).ok).toBe(true);
  });

  it.each([
    ["the body", { body: body.replace("organized", "failed") }],
    ["the URL", { url: "https://hooks.example.com/other" }],
    ["the secret", { secret: "another-secret-0123456789" }],
  ])("refuses a POST when %s differs from what was signed", (_what, change) => {
    const result = verifyWebhookSignature({ secret, url, body, now, headers: signed(), ...change });

    expect(result).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses a signature moved to another event id", () => {
    const headers = { ...signed(), [WEBHOOK_HEADERS.eventId]: "00000000-0000-5000-8000-000000000000" };

    expect(verifyWebhookSignature({ secret, url, headers, body, now })).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });

  it("refuses a signature moved to another timestamp inside the window", () => {
    const headers = { ...signed(), [WEBHOOK_HEADERS.timestamp]: String(timestamp + 1) };

    expect(verifyWebhookSignature({ secret, url, headers, body, now })).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });

  it.each([
    ["301 s late", timestamp + 301, false],
    ["301 s early", timestamp - 301, false],
    ["300 s late", timestamp + 300, true],
  ])("a receiver clock %s: ok=%s", (_what, receiverSeconds, ok) => {
    const result = verifyWebhookSignature({
      secret,
      url,
      headers: signed(),
      body,
      now: new Date(receiverSeconds * 1000),
    });

    expect(result).toEqual(ok ? { ok: true, eventId, timestamp } : { ok: false, reason: "expired" });
  });

  it("honours a narrower toleranceSeconds", () => {
    expect(
      verifyWebhookSignature({ secret, url, headers: signed(), body, now, toleranceSeconds: 10 }),
    ).toEqual({ ok: false, reason: "expired" });
  });

  it.each([
    ["no headers", {}],
    ["a missing signature", { ...signed(), [WEBHOOK_HEADERS.signature]: undefined }],
    ["the old sha256= form", { ...signed(), [WEBHOOK_HEADERS.signature]: `sha256=${"a".repeat(64)}` }],
    ["a short signature", { ...signed(), [WEBHOOK_HEADERS.signature]: "v1=abcd" }],
    ["a non-numeric timestamp", { ...signed(), [WEBHOOK_HEADERS.timestamp]: "1754236000.5" }],
    ["an empty event id", { ...signed(), [WEBHOOK_HEADERS.eventId]: "" }],
    ["a repeated signature header", { ...signed(), [WEBHOOK_HEADERS.signature]: ["v1=a", "v1=b"] }],
  ])("refuses %s as malformed", (_what, headers) => {
    expect(verifyWebhookSignature({ secret, url, headers, body, now })).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("takes the three values directly instead of headers", () => {
    const h = signed();

    const result = verifyWebhookSignature({
      secret,
      url,
      body,
      now,
      timestamp: h[WEBHOOK_HEADERS.timestamp],
      eventId: h[WEBHOOK_HEADERS.eventId],
      signature: h[WEBHOOK_HEADERS.signature],
    });

    expect(result.ok).toBe(true);
  });
});
