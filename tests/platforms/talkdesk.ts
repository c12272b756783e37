/**
 * Talkdesk HTTP Notifier deliveries, with the payload the setup guide's templates produce and the
 * shared secret in the custom header.
 */
import type { Delivery, DeliveryInput, PlatformSample } from "./types.ts";

export function notification({ agent, deliveryId, now }: DeliveryInput, event: string, fields: Record<string, unknown> = {}) {
  return { event, call_id: `td-${deliveryId}`, agent_id: agent, agent_name: "Jane Doe", ended_at: new Date(now - 1000).toISOString(), ...fields };
}

const withSecret = (secret: string, body: unknown): Delivery => ({
  headers: { "content-type": "application/json", "x-floorboard-secret": secret },
  body: JSON.stringify(body),
});

export const talkdeskSample: PlatformSample = {
  platform: "talkdesk",
  secret: "talkdesk-shared-secret-0123456789abcdef",
  countable: async (input) => withSecret(input.secret, notification(input, "call_finished", { talk_time: "251", hold_time: 20, wrap_up_time: 41 })),
  expected: { contacts_handled: 1, talk_time_s: 251, hold_time_s: 20, acw_time_s: 41, handle_time_s: 312 },
  uncountable: async (input) => withSecret(input.secret, notification(input, "agent_status_changed")),
  missingField: async (input) => ({ ...withSecret(input.secret, notification(input, "call_finished", { hold_time: 20 })), path: "/talk_time" }),
  signatureHeader: "x-floorboard-secret",
};
