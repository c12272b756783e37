/**
 * Genesys Cloud's Amazon EventBridge integration: analytics detail events, forwarded by an
 * EventBridge rule to an API destination whose connection sends an API key in a header
 * (`apiKeyHeader`, default `x-api-key`).
 *
 * `v2.detail.events.conversation.{id}.acw` (an agent finished after-call work on a conversation)
 * counts the contact: contacts_handled 1 and acw_time_s = wrapupDurationMs / 1000 for
 * `eventBody.userId`; with `resolvedWrapupCodes` set, resolved_first_contact: a denominator for
 * every such contact, a numerator when its `wrapupCode` is listed. Talk and hold durations are not
 * in the detail events, so they are not reported. Every other topic (user.start, user.end,
 * customer.*, acd.*, …) counts nothing. Ids: `<conversationId>:<userId>:<metric>`, so a retry, or
 * a second wrap-up by the same agent on the same conversation, counts once.
 */
import { z } from "zod";
import { parseWith } from "../problem.ts";
import { requireKey } from "./api-key.ts";
import { HeaderName, Millis, parseJsonBody, requireJson } from "./body.ts";
import type { Adapter, PlatformEvent } from "./types.ts";

const options = z.strictObject({
  apiKeyHeader: HeaderName.default("x-api-key"),
  /** Wrap-up code ids (as the events carry them) that mean "resolved at first contact". */
  resolvedWrapupCodes: z.array(z.string().trim().min(1).max(100)).max(200).default([]),
});
export type GenesysCloudOptions = z.infer<typeof options>;

const Envelope = z.looseObject({ "detail-type": z.string() });
const Uuid = z.string().regex(/^[A-Za-z0-9-]{1,40}$/, "must be a Genesys Cloud id");
const AfterCallWork = z.looseObject({
  detail: z.looseObject({
    eventBody: z.looseObject({
      eventTime: z.number().int().min(0).max(1e14),
      conversationId: Uuid,
      userId: Uuid,
      wrapupCode: z.string().max(100).nullish(),
      wrapupDurationMs: Millis,
    }),
  }),
});

export const genesysCloud: Adapter<GenesysCloudOptions> = {
  platform: "genesys_cloud",
  options,
  secretIssuedBy: "floorboard",
  ack: 200,

  async verify(delivery, { secrets, options }) {
    requireJson(delivery, "An EventBridge API destination");
    requireKey(delivery, secrets, options.apiKeyHeader);
  },

  toEvents(delivery, { options }) {
    const body = parseJsonBody(delivery);
    if (!/^v2\.detail\.events\.conversation\.[^.]+\.acw$/.test(parseWith(Envelope, body)["detail-type"])) return [];
    const { eventBody: e } = parseWith(AfterCallWork, body).detail;
    const event = (metric: PlatformEvent["metric"], value: number, part?: "numerator" | "denominator"): PlatformEvent => ({
      id: `${e.conversationId}:${e.userId}:${metric}${part ? `:${part}` : ""}`,
      agent: e.userId,
      agentField: "/detail/eventBody/userId",
      metric,
      value,
      ...(part ? { part } : {}),
      occurredAt: e.eventTime,
    });
    const events = [event("contacts_handled", 1), event("acw_time_s", Math.round(e.wrapupDurationMs / 1000))];
    if (options.resolvedWrapupCodes.length > 0) {
      events.push(event("resolved_first_contact", 1, "denominator"));
      if (e.wrapupCode && options.resolvedWrapupCodes.includes(e.wrapupCode)) events.push(event("resolved_first_contact", 1, "numerator"));
    }
    return events;
  },
};
