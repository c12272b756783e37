/**
 * The contract every platform adapter keeps. An adapter is one file: it checks that a delivery came
 * from its platform (the platform's own scheme), and turns a verified delivery into platform events.
 * Both are pure functions of the delivery, the source's secrets and options, and the clock; the
 * webhook route does the rest (agents through the directory, metrics through the org, recording).
 */
import type { z } from "zod";
import type { Platform, StandardMetric } from "../../protocol/index.ts";

/** A request exactly as the platform sent it. */
export interface WebhookDelivery {
  /** The URL the platform called: scheme, host, path and query string, as received. */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body, byte for byte as text (signatures are computed over it). */
  readonly body: string;
}

export interface AdapterContext<Options> {
  /**
   * The source's secrets, the current one first. After a rotation the previous one is still listed
   * for a grace period, so that a platform being reconfigured is not refused meanwhile.
   */
  readonly secrets: readonly string[];
  /** The source's platform options, already validated by the adapter's `options` schema. */
  readonly options: Options;
  /** Milliseconds since the epoch, for replay windows. */
  readonly now: number;
}

/** One countable fact the platform reported, before it is mapped onto the org's agents and metrics. */
export interface PlatformEvent {
  /**
   * Stable across the platform's retries of the same delivery and unique for the fact: derived from
   * the platform's own ids (e.g. `CA123:handle_time_s`). At most 96 characters.
   */
  readonly id: string;
  /** The agent's id on the platform (looked up in the directory's external ids). */
  readonly agent: string;
  /** Where the agent id is in the delivery, as a JSON pointer (`/data/user/id`) or `form/WorkerSid`. */
  readonly agentField: string;
  /** The agent's display name on the platform, if the delivery carries it (for provisioned agents). */
  readonly agentName?: string;
  readonly metric: StandardMetric;
  /** A finite number: seconds for durations, 1 for a counted contact, the score for CSAT. */
  readonly value: number;
  /** For `resolved_first_contact`: every handled contact is a denominator, a resolved one also a numerator. */
  readonly part?: "numerator" | "denominator";
  /** Milliseconds since the epoch. */
  readonly occurredAt: number;
  /** Where that time is in the delivery (a JSON pointer or `form/Timestamp`), for errors. */
  readonly occurredAtField: string;
}

export interface Adapter<Options = Record<string, never>> {
  readonly platform: Platform;
  /** A zod schema for the source's `options` for this platform (strict: unknown keys are refused). */
  readonly options: z.ZodType<Options>;
  /**
   * Where the platform's secret comes from: `platform` when the platform issues it and the admin
   * pastes it in (Twilio's auth token, Zendesk's signing secret, Aircall's token); `floorboard` when
   * Floorboard generates it and the admin pastes it into the platform (API keys, shared secrets).
   */
  readonly secretIssuedBy: "platform" | "floorboard";
  /**
   * Throws a ProblemError (401 for a missing or wrong signature or token, 401 for a timestamp outside
   * the replay window, 415 for a content type the platform never sends) unless the delivery is the
   * platform's. Must compare secrets and signatures in constant time.
   */
  verify(delivery: WebhookDelivery, context: AdapterContext<Options>): Promise<void>;
  /**
   * The events a verified delivery carries. An empty list means "nothing countable" (a status
   * change): acknowledged and ignored. Throws a ProblemError 422 naming the missing or malformed
   * field (or 400 for a body that does not parse) when the delivery is not what the platform sends.
   */
  toEvents(delivery: WebhookDelivery, context: AdapterContext<Options>): PlatformEvent[];
  /** How the platform expects success: `204` with no body, or `200` with a small JSON body. */
  readonly ack: 200 | 204;
}
