/**
 * Twilio deliveries for the end-to-end webhook tests: TaskRouter event callbacks shaped like
 * tests/fixtures/platforms/twilio-taskrouter-*.txt, signed as Twilio signs them (X-Twilio-Signature
 * over the URL and the sorted parameters).
 */
import { hmac, toBase64 } from "../../worker/adapters/crypto.ts";
import type { Delivery, DeliveryInput, PlatformSample } from "./types.ts";

type Params = [string, string][];

/** Talk, hold and wrap-up as a Flex plugin writes them into the task's `conversations` attributes. */
const TALK_S = 240;
const HOLD_S = 30;
const WRAP_S = 45;

async function signed(url: string, secret: string, params: Params): Promise<Delivery> {
  const data = [...params]
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => name + value)
    .join("");
  return {
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": toBase64(await hmac("SHA-1", secret, url + data)) },
    body: new URLSearchParams(params).toString(),
  };
}

/** A reservation event for `agent` on a voice task, as TaskRouter posts it to the workspace's Event Callback URL. */
function reservation({ agent, deliveryId, now }: DeliveryInput, eventType: string): Params {
  const attributes = {
    type: "inbound",
    call_sid: `CA${deliveryId}`,
    direction: "inbound",
    from: "+15557654321",
    conversations: { talk_time: TALK_S, hold_time: HOLD_S, wrap_up_time: WRAP_S },
  };
  return [
    ["AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
    ["WorkspaceSid", "WSbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"],
    ["WorkspaceName", "Acme Support"],
    ["Sid", `EV${deliveryId}`],
    ["EventType", eventType],
    ["EventDescription", `Reservation WR${deliveryId} ${eventType.slice("reservation.".length)} for Worker ${agent}`],
    ["ResourceType", "reservation"],
    ["ResourceSid", `WR${deliveryId}`],
    ["Timestamp", String(Math.floor(now / 1000))],
    ["TimestampMs", String(now)],
    ["TaskSid", `WT${deliveryId}`],
    ["TaskAttributes", JSON.stringify(attributes)],
    ["TaskAge", String(20 + TALK_S + WRAP_S)],
    ["TaskAssignmentStatus", eventType === "reservation.completed" ? "completed" : "assigned"],
    ["TaskChannelUniqueName", "voice"],
    ["TaskQueueSid", "WQ11111111111111111111111111111111"],
    ["TaskQueueName", "Billing"],
    ["ReservationSid", `WR${deliveryId}`],
    ["WorkerSid", agent],
    ["WorkerName", `Worker ${agent}`],
    ["WorkerActivityName", "Available"],
  ];
}

export const twilioSample: PlatformSample = {
  platform: "twilio",
  // An auth token: 32 hex digits.
  secret: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
  countable: (input) => signed(input.url, input.secret, reservation(input, "reservation.completed")),
  expected: {
    contacts_handled: 1,
    handle_time_s: TALK_S + WRAP_S,
    talk_time_s: TALK_S,
    hold_time_s: HOLD_S,
    acw_time_s: WRAP_S,
  },
  uncountable: (input) => signed(input.url, input.secret, reservation(input, "reservation.accepted")),
  async missingField(input) {
    const params = reservation(input, "reservation.completed").filter(([name]) => name !== "WorkerSid");
    return { ...(await signed(input.url, input.secret, params)), path: "form/WorkerSid" };
  },
  signatureHeader: "x-twilio-signature",
};
