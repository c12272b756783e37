/**
 * Genesys Cloud's Amazon EventBridge integration: analytics detail events, forwarded by an
 * EventBridge rule to an API destination whose connection sends an API key in a header
 * (`apiKeyHeader`, default `x-api-key`).
 *
 * - `v2.detail.events.conversation.{id}.acw` (an agent finished after-call work on a conversation)
 *   counts the contact: contacts_handled 1 and acw_time_s = wrapupDurationMs / 1000 for
 *   `eventBody.userId`; with `resolvedWrapupCodes` set, resolved_first_contact: a denominator for
 *   every such contact, a numerator when its `wrapupCode` is listed.
 * - `v2.detail.events.conversation.{id}.user.end` (the agent's part of the conversation ended):
 *   talk_time_s = interactingDurationMs / 1000 and hold_time_s = heldDurationMs / 1000 when the
 *   agent interacted; missed_contacts 1 when the agent was alerted (alertingDurationMs > 0) and never
 *   interacted (did not answer).
 * - every other topic (user.start, customer.*, acd.*, …) counts nothing.
 * Handle time needs both events, so it is not reported. Ids: `<conversationId>:<userId>:<metric>`,
 * so a retry, or a second wrap-up by the same agent on the same conversation, counts once.
 */
import { z } from "zod";
import { parseWith } from "../problem.ts";
import { verifyApiDestination } from "./api-key.ts";
import { HeaderName, Millis, parseJsonBody } from "./body.ts";
import type { Adapter, PlatformEvent } from "./types.ts";

const options = z.strictObject({
  apiKeyHeader: HeaderName.default("x-api-key"),
  /** Wrap-up code ids (as the events carry them) that mean "resolved at first contact". */
  resolvedWrapupCodes: z.array(z.string().trim().min(1).max(100)).max(200).default([]),
});
export type GenesysCloudOptions = z.infer<typeof options>;

const Envelope = z.looseObject({ "detail-type": z.string() });
const Uuid = z.string().regex(/^[A-Za-z0-9-]{1,40}$/, "must be a Genesys Cloud id");
const UserEnd = z.looseObject({
  detail: z.looseObject({
    eventBody: z.looseObject({
      eventTime: z.number().int().min(0).max(1e14),
      conversationId: Uuid,
      userId: Uuid,
      interactingDurationMs: Millis.nullish(),
      heldDurationMs: Millis.nullish(),
      alertingDurationMs: Millis.nullish(),
    }),
  }),
});
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

  verify: verifyApiDestination,

  toEvents(delivery, { options }) {
    const body = parseJsonBody(delivery);
    const topic = /^v2\.detail\.events\.conversation\.[^.]+\.(acw|user\.end)$/.exec(parseWith(Envelope, body)["detail-type"])?.[1];
    if (topic === undefined) return [];
    const e = parseWith(topic === "acw" ? AfterCallWork : UserEnd, body).detail.eventBody;
    const event = (metric: PlatformEvent["metric"], value: number, part?: "numerator" | "denominator"): PlatformEvent => ({
      id: `${e.conversationId}:${e.userId}:${metric}${part ? `:${part}` : ""}`,
      agent: e.userId,
      agentField: "/detail/eventBody/userId",
      metric,
      value,
      ...(part ? { part } : {}),
      occurredAt: e.eventTime,
      occurredAtField: "/detail/eventBody/eventTime",
    });
    const seconds = (ms: number) => Math.round(ms / 1000);
    if (topic === "user.end") {
      const end = e as z.infer<typeof UserEnd>["detail"]["eventBody"];
      if (end.interactingDurationMs) {
        const events = [event("talk_time_s", seconds(end.interactingDurationMs))];
        if (end.heldDurationMs != null) events.push(event("hold_time_s", seconds(end.heldDurationMs)));
        return events;
      }
      return end.alertingDurationMs ? [event("missed_contacts", 1)] : [];
    }
    const acw = e as z.infer<typeof AfterCallWork>["detail"]["eventBody"];
    const events = [event("contacts_handled", 1), event("acw_time_s", seconds(acw.wrapupDurationMs))];
    if (options.resolvedWrapupCodes.length > 0) {
      events.push(event("resolved_first_contact", 1, "denominator"));
      if (acw.wrapupCode && options.resolvedWrapupCodes.includes(acw.wrapupCode)) events.push(event("resolved_first_contact", 1, "numerator"));
    }
    return events;
  },
};
