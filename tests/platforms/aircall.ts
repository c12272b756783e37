/**
 * Aircall deliveries for the end-to-end webhook tests: `call.ended` shaped like
 * tests/fixtures/platforms/aircall-call.ended.json, authenticated by the webhook's token in the body.
 */
import type { Delivery, DeliveryInput, PlatformSample } from "./types.ts";

const RING_S = 20;
const TALK_S = 300;

function delivery(body: unknown): Delivery {
  return { headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** An inbound call `agent` answered and that ended at `now`. */
function callEnded({ secret, agent, deliveryId, now }: DeliveryInput, user: Record<string, unknown> = { id: agent }) {
  const endedAt = Math.floor(now / 1000);
  return {
    resource: "call",
    event: "call.ended",
    timestamp: endedAt + 27,
    token: secret,
    data: {
      id: deliveryId,
      direct_link: `https://api.aircall.io/v1/calls/${deliveryId}`,
      direction: "inbound",
      status: "done",
      missed_call_reason: null,
      started_at: endedAt - TALK_S - RING_S,
      answered_at: endedAt - TALK_S,
      ended_at: endedAt,
      duration: TALK_S + RING_S,
      raw_digits: "+1 555-765-4321",
      user: { direct_link: `https://api.aircall.io/v1/users/${agent}`, name: "Jane Doe", email: "jane.doe@example.com", ...user },
      number: { id: 58108, name: "Support Line", digits: "+1 500-555-0006" },
      tags: [{ id: 1, name: "Resolved" }],
    },
  };
}

export const aircallSample: PlatformSample = {
  platform: "aircall",
  // The token Aircall shows when the webhook is created.
  secret: "4f8a2c9e1b7d3a5c",
  countable: async (input) => delivery(callEnded(input)),
  expected: { contacts_handled: 1, talk_time_s: TALK_S, handle_time_s: TALK_S },
  uncountable: async ({ secret, agent, now }) =>
    delivery({
      resource: "user",
      event: "user.opened",
      timestamp: Math.floor(now / 1000),
      token: secret,
      data: { id: agent, name: "Jane Doe", available: true, availability_status: "available" },
    }),
  missingField: async (input) => ({ ...delivery(callEnded(input, { id: undefined })), path: "/data/user/id" }),
  signatureHeader: undefined,
};
