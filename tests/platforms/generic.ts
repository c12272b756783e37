/**
 * Generic signed JSON deliveries for the end-to-end webhook tests: a CRM's events, signed with
 * `Floorboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 */
import { hmac, toHex } from "../../worker/adapters/crypto.ts";
import type { Delivery, DeliveryInput, PlatformSample } from "./types.ts";

export async function signGeneric(secret: string, body: string, signedAt: number): Promise<Delivery> {
  const t = Math.floor(signedAt / 1000);
  return { headers: { "content-type": "application/json", "floorboard-signature": `t=${t},v1=${toHex(await hmac("SHA-256", secret, `${t}.${body}`))}` }, body };
}

/** A call `agent` handled and the sale and survey that came of it. */
function contact({ agent, deliveryId, now }: DeliveryInput) {
  const at = new Date(now - 1000).toISOString();
  const id = `call-${deliveryId}`;
  return {
    events: [
      { id, agent, metric: "contacts_handled", value: 1, occurredAt: at },
      { id, agent, metric: "handle_time_s", value: 312, occurredAt: at },
      { id, agent, metric: "talk_time_s", value: 251, occurredAt: at },
      { id, agent, metric: "hold_time_s", value: 20, occurredAt: at },
      { id, agent, metric: "acw_time_s", value: 41, occurredAt: at },
      { id, agent, metric: "resolved_first_contact", part: "denominator", value: 1, occurredAt: at },
      { id, agent, metric: "resolved_first_contact", part: "numerator", value: 1, occurredAt: at },
      { id, agent, metric: "csat", value: 4, occurredAt: at },
      { id: `deal-${deliveryId}`, agent, metric: "sales", value: 129.5, occurredAt: at },
    ],
  };
}

export const genericSample: PlatformSample = {
  platform: "generic",
  secret: "generic-test-secret-0123456789abcdef0123",
  countable: (input) => signGeneric(input.secret, JSON.stringify(contact(input)), input.now),
  expected: {
    contacts_handled: 1,
    handle_time_s: 312,
    talk_time_s: 251,
    hold_time_s: 20,
    acw_time_s: 41,
    "resolved_first_contact:denominator": 1,
    "resolved_first_contact:numerator": 1,
    csat: 4,
    sales: 129.5,
  },
  // A signed delivery with no events: a sender's connectivity test.
  uncountable: ({ secret, now }) => signGeneric(secret, JSON.stringify({ events: [] }), now),
  missingField: async (input) => {
    const body = contact(input);
    delete (body.events[1] as { value?: number }).value;
    return { ...(await signGeneric(input.secret, JSON.stringify(body), input.now)), path: "/events/1/value" };
  },
  signatureHeader: "floorboard-signature",
  signedAt: (input, ageMs) => signGeneric(input.secret, JSON.stringify(contact(input)), input.now - ageMs),
};
