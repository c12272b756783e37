/**
 * Zendesk event webhooks (`type: zen:event-type:…`), JSON, signed with
 * `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(signing secret, timestamp + raw body)), where
 * the timestamp is `X-Zendesk-Webhook-Signature-Timestamp`; one more than 5 minutes from now (either
 * way) is refused as a replay.
 *
 * `zen:event-type:ticket.status_changed` into `SOLVED` (from any other status) counts a contact for
 * the ticket's assignee (`detail.assignee_id`), at the event's `time`; each solve counts, so a ticket
 * reopened and solved again counts again. Zendesk's event webhooks carry no durations, and no
 * satisfaction rating (CSAT is not among the ticket event types), so nothing else is reported.
 * Every other event (`agent.state_changed`, other ticket, user and organization events) counts nothing.
 */
import { z } from "zod";
import { parseWith, ProblemError } from "../problem.ts";
import { IsoTime, parseJsonBody, requireJson } from "./body.ts";
import { hmac, signatureMatches, toBase64 } from "./crypto.ts";
import type { Adapter } from "./types.ts";

const options = z.strictObject({});
export type ZendeskOptions = z.infer<typeof options>;

const SIGNATURE = "x-zendesk-webhook-signature";
const TIMESTAMP = "x-zendesk-webhook-signature-timestamp";
const WINDOW_MS = 5 * 60_000;

const Envelope = z.looseObject({ type: z.string() });
const StatusChange = z.looseObject({
  event: z.looseObject({ current: z.string(), previous: z.string().nullish() }),
});
const Solved = z.looseObject({
  /** The event's id (a ULID or UUID), the same on Zendesk's retries. */
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be an id of at most 64 characters"),
  time: IsoTime,
  detail: z.looseObject({
    assignee_id: z.union([z.number().int().nonnegative(), z.string().trim().min(1).max(64)]).transform(String),
  }),
});

function unauthorized(header: string, message: string): ProblemError {
  return new ProblemError(401, "Unauthorized", `${header}: ${message}.`, [{ path: `header/${header}`, message }]);
}

export const zendesk: Adapter<ZendeskOptions> = {
  platform: "zendesk",
  options,
  secretIssuedBy: "platform",
  ack: 200,

  async verify(delivery, { secrets, now }) {
    requireJson(delivery, "Zendesk");
    const signature = delivery.headers[SIGNATURE];
    const timestamp = delivery.headers[TIMESTAMP];
    if (!signature) throw unauthorized(SIGNATURE, "missing");
    if (!timestamp) throw unauthorized(TIMESTAMP, "missing");
    const signedAt = Date.parse(timestamp);
    if (!Number.isFinite(signedAt)) throw unauthorized(TIMESTAMP, "not a timestamp");
    if (Math.abs(now - signedAt) > WINDOW_MS) throw unauthorized(TIMESTAMP, "more than 5 minutes from now");
    const sign = (secret: string) => hmac("SHA-256", secret, timestamp + delivery.body).then(toBase64);
    if (!(await signatureMatches(signature, secrets, sign))) throw unauthorized(SIGNATURE, "does not match");
  },

  toEvents(delivery) {
    const body = parseJsonBody(delivery);
    if (parseWith(Envelope, body).type !== "zen:event-type:ticket.status_changed") return [];
    const { event } = parseWith(StatusChange, body);
    const solved = (status: string | null | undefined) => status?.toUpperCase() === "SOLVED";
    if (!solved(event.current) || solved(event.previous)) return [];
    const { id, time, detail } = parseWith(Solved, body);
    return [
      {
        id: `${id}:contacts_handled`,
        agent: detail.assignee_id,
        agentField: "/detail/assignee_id",
        metric: "contacts_handled",
        value: 1,
        occurredAt: Date.parse(time),
        occurredAtField: "/time",
      },
    ];
  },
};
