/**
 * Zendesk deliveries for the end-to-end webhook tests: event webhooks shaped like
 * tests/fixtures/platforms/zendesk-*.json, signed as Zendesk signs them
 * (base64(HMAC-SHA256(secret, timestamp + body)) with the timestamp in its own header).
 */
import { hmac, toBase64 } from "../../worker/adapters/crypto.ts";
import type { Delivery, DeliveryInput, PlatformSample } from "./types.ts";

/** Zendesk's times: ISO 8601 in UTC, to the second. */
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

async function signed(secret: string, body: unknown, signedAt: number): Promise<Delivery> {
  const text = JSON.stringify(body);
  const timestamp = iso(signedAt);
  return {
    headers: {
      "content-type": "application/json",
      "x-zendesk-webhook-signature": toBase64(await hmac("SHA-256", secret, timestamp + text)),
      "x-zendesk-webhook-signature-timestamp": timestamp,
    },
    body: text,
  };
}

/** `agent`'s ticket moved from OPEN to SOLVED at `now`. */
function solved({ agent, deliveryId, now }: DeliveryInput, detail: Record<string, unknown> = { assignee_id: agent }) {
  return {
    type: "zen:event-type:ticket.status_changed",
    account_id: 88888888,
    id: `zd-${deliveryId}`,
    time: iso(now),
    zendesk_event_version: "2022-11-06",
    subject: "zen:ticket:35436",
    detail: {
      actor_id: agent,
      created_at: iso(now - 3_600_000),
      group_id: "98738",
      id: "35436",
      priority: "NORMAL",
      requester_id: "20978392",
      status: "SOLVED",
      subject: "Double charge on invoice",
      updated_at: iso(now),
      via: { channel: "web_service" },
      ...detail,
    },
    event: { current: "SOLVED", previous: "OPEN" },
  };
}

export const zendeskSample: PlatformSample = {
  platform: "zendesk",
  // A webhook's signing secret, as Zendesk reveals it.
  secret: "dGhpcy1pcy1hbm90aGVyLXNpZ25pbmctc2VjcmV0",
  countable: (input) => signed(input.secret, solved(input), input.now),
  expected: { contacts_handled: 1 },
  uncountable: ({ secret, agent, deliveryId, now }) =>
    signed(
      secret,
      {
        type: "zen:event-type:agent.state_changed",
        account_id: 88888888,
        id: `zd-${deliveryId}`,
        time: iso(now),
        zendesk_event_version: "2022-11-06",
        subject: `zen:agent:${agent}`,
        detail: { account_id: "88888888", agent_id: agent, version: "3" },
        event: { updated_at: iso(now), previous_state: "offline", new_state: "online", channel: "support" },
      },
      now,
    ),
  missingField: async (input) => ({
    ...(await signed(input.secret, solved(input, { assignee_id: undefined }), input.now)),
    path: "/detail/assignee_id",
  }),
  signatureHeader: "x-zendesk-webhook-signature",
  signedAt: (input, ageMs) => signed(input.secret, solved(input), input.now - ageMs),
};
