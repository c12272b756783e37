/**
 * Aircall: the webhook's JSON body carries the webhook's `token` (no signature header), compared with
 * the source's secrets in constant time. Delivery is at least once and unordered, with a 5 s timeout
 * and retries, so every id derives from the call's id (`data.id`).
 *
 * Only `call.ended` counts (it comes about 30 s after hang-up, with the call's final data):
 * - answered (`answered_at` set) by a user (`data.user`): contacts_handled 1, talk_time_s =
 *   `ended_at - answered_at`, handle_time_s the same (Aircall reports neither hold nor wrap-up time;
 *   `duration` is `ended_at - started_at` and includes ringing, IVR and queue, so it is not used);
 *   with `resolvedTags` set, resolved_first_contact: a denominator for every such call and a
 *   numerator when one of the call's tags is listed; sales 1 when one of its tags is in `salesTags`.
 * - an inbound call nobody answered (`answered_at` null), with a user: missed_contacts 1. An
 *   unanswered outbound call is the callee's miss, not the agent's.
 * - a call without a user (IVR, a line nobody picked up): nothing to attribute.
 * Every other event (`call.created`, `call.answered`, `user.opened`, …) counts nothing.
 */
import { z } from "zod";
import { parseWith, ProblemError } from "../problem.ts";
import { parseJsonBody, requireJson } from "./body.ts";
import { equalsAny } from "./crypto.ts";
import type { Adapter, PlatformEvent } from "./types.ts";

const TagNames = z.array(z.string().trim().min(1).max(100)).max(100).default([]);
const options = z.strictObject({
  /** Tags (case-insensitive) that mark a call resolved at first contact; none: the metric is not reported. */
  resolvedTags: TagNames,
  /** Tags (case-insensitive) that mark a call as a sale. */
  salesTags: TagNames,
});
export type AircallOptions = z.infer<typeof options>;

const DAY_S = 86_400;
/** Aircall's ids are integers; a string is accepted too. At most 48 characters keeps event ids within 96. */
const AircallId = z
  .union([z.number().int().nonnegative(), z.string().regex(/^[A-Za-z0-9_.:@-]{1,48}$/, "must be an id of at most 48 characters")])
  .transform(String);
const UnixSeconds = z.number().int().min(0).max(1e11);

const Envelope = z.looseObject({ event: z.string() });
const EndedCall = z.looseObject({
  data: z.looseObject({
    id: AircallId,
    direction: z.string().nullish(),
    answered_at: UnixSeconds.nullish(),
    ended_at: UnixSeconds,
    user: z.looseObject({ id: AircallId, name: z.string().nullish() }).nullish(),
    tags: z.array(z.looseObject({ name: z.string() })).nullish(),
  }),
});

/** The parsed body, or undefined when it is not JSON. */
function jsonOf(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The body's `token`, or undefined when there is none to compare (not JSON, not an object, not a string). */
function tokenOf(body: string): string | undefined {
  const token: unknown = (jsonOf(body) as { token?: unknown } | null | undefined)?.token;
  return typeof token === "string" && token !== "" ? token : undefined;
}

function unauthorized(message: string): ProblemError {
  return new ProblemError(401, "Unauthorized", `The body's token ${message}.`, [{ path: "/token", message }]);
}

export const aircall: Adapter<AircallOptions> = {
  platform: "aircall",
  options,
  secretIssuedBy: "platform",
  ack: 200,

  async verify(delivery, { secrets }) {
    requireJson(delivery, "Aircall");
    // A body we cannot read has no token we can trust: refused as unauthenticated, not as malformed.
    const token = tokenOf(delivery.body);
    if (token === undefined) throw unauthorized("is missing");
    if (!equalsAny(token, secrets)) throw unauthorized("does not match");
  },

  toEvents(delivery, { options }) {
    const body = parseJsonBody(delivery);
    if (parseWith(Envelope, body).event !== "call.ended") return [];
    const { data: call } = parseWith(EndedCall, body);
    if (!call.user) return [];
    const who = { agent: call.user.id, agentField: "/data/user/id", ...(call.user.name ? { agentName: call.user.name } : {}) };
    const occurredAt = call.ended_at * 1000;
    const fact = (metric: PlatformEvent["metric"], value: number, part?: "numerator" | "denominator"): PlatformEvent => ({
      id: [call.id, metric, part].filter(Boolean).join(":"),
      metric,
      value,
      occurredAt,
      occurredAtField: "/data/ended_at",
      ...who,
      ...(part ? { part } : {}),
    });

    if (call.answered_at == null) return call.direction === "inbound" ? [fact("missed_contacts", 1)] : [];
    const talk = call.ended_at - call.answered_at;
    if (talk < 0 || talk > DAY_S) {
      const message = talk < 0 ? "before answered_at" : "more than a day after answered_at";
      throw new ProblemError(422, "Validation failed", "Invalid field(s): /data/ended_at", [{ path: "/data/ended_at", message }]);
    }
    const tags = new Set((call.tags ?? []).map((tag) => tag.name.trim().toLowerCase()));
    const tagged = (names: readonly string[]) => names.some((name) => tags.has(name.toLowerCase()));
    const events = [fact("contacts_handled", 1), fact("talk_time_s", talk), fact("handle_time_s", talk)];
    if (options.resolvedTags.length > 0) {
      events.push(fact("resolved_first_contact", 1, "denominator"));
      if (tagged(options.resolvedTags)) events.push(fact("resolved_first_contact", 1, "numerator"));
    }
    if (tagged(options.salesTags)) events.push(fact("sales", 1));
    return events;
  },
};
