/**
 * What the webhook tests need to know of a platform: how it sends a delivery (headers, body,
 * signature) and what Floorboard should record from it. One file per platform implements this;
 * `tests/webhooks.test.ts` runs the same end-to-end checks over every one.
 */
import type { Platform, StandardMetric } from "../../protocol/index.ts";

export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

export interface DeliveryInput {
  /** The full URL the delivery is posted to (signatures that cover the URL use it). */
  url: string;
  secret: string;
  /** The agent's id on the platform. */
  agent: string;
  /** Makes the platform's own ids (call, task, contact, ticket) unique to this delivery. */
  deliveryId: string;
  /** Milliseconds since the epoch: when the platform sends it, and when the contact ended. */
  now: number;
}

export interface PlatformSample {
  platform: Platform;
  /** A secret to register the source with, as the platform would issue it (or Floorboard would). */
  secret: string;
  /** The source's platform options for these deliveries. */
  options?: Record<string, unknown>;
  /** A delivery that counts (a contact handled by `agent`). */
  countable(input: DeliveryInput): Promise<Delivery>;
  /** What `countable` records: standard metric -> value (ratio parts as `metric:part`). */
  expected: Partial<Record<StandardMetric | `${StandardMetric}:${"numerator" | "denominator"}`, number>>;
  /** A verified delivery with nothing countable (e.g. an agent's status changed). */
  uncountable(input: DeliveryInput): Promise<Delivery>;
  /** The countable delivery, correctly signed, without a field it cannot do without; `path` names it. */
  missingField(input: DeliveryInput): Promise<Delivery & { path: string }>;
  /** The header that carries the signature or key, if the scheme uses one (tampered by the tests). */
  signatureHeader?: string;
  /** For schemes with a replay window: the countable delivery, signed at `now - ageMs`. */
  signedAt?(input: DeliveryInput, ageMs: number): Promise<Delivery>;
}
