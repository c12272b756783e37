/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { hmac, toBase64 } from "../../worker/adapters/crypto.ts";
import type { WebhookDelivery } from "../../worker/adapters/types.ts";
import { zendesk } from "../../worker/adapters/zendesk.ts";
import { zendeskSample } from "../platforms/zendesk.ts";
import { checkSample, refusal } from "./support.ts";
import agentState from "../fixtures/platforms/zendesk-agent.state_changed.json?raw";
import solved from "../fixtures/platforms/zendesk-ticket.status_changed.json?raw";
// Built from Zendesk's ticket event reference (zen:event-type:ticket.agent_assignment_changed, with
// the ticket in `detail` and the assignee ids in `event`), on the shape of the status_changed sample.
import assigned from "../fixtures/platforms/zendesk-ticket.agent_assignment_changed.json?raw";

// The test vector in the fixtures' README, over the exact bytes of zendesk-ticket.status_changed.json.
const SECRET = "dGhpcy1pcy1hLXRlc3Qtc2lnbmluZy1zZWNyZXQ";
const TIMESTAMP = "2024-04-17T17:42:31Z";
const SIGNATURE = "hAUi45LS7sm/oLxI/aLdf0RY2EsOh2ghOlLrmlOAx0w=";
const SIGNED_AT = Date.parse(TIMESTAMP);
const HOOK = "https://floorboard.example/v1/webhooks/zendesk-main";

const context = (secrets = [SECRET], now = SIGNED_AT + 2_000) => ({ secrets, options: zendesk.options.parse({}), now });
const delivery = (body = solved, headers: Record<string, string | undefined> = {}): WebhookDelivery => ({
  url: HOOK,
  body,
  headers: Object.fromEntries(
    Object.entries({
      "content-type": "application/json",
      "x-zendesk-webhook-signature": SIGNATURE,
      "x-zendesk-webhook-signature-timestamp": TIMESTAMP,
      ...headers,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ),
});
/** A body with changes (undefined: removed) to its top level, `detail` and `event`. */
function edit(body: string, changes: { top?: Record<string, unknown>; detail?: Record<string, unknown>; event?: Record<string, unknown> }): string {
  const value = JSON.parse(body) as { detail: object; event: object };
  return JSON.stringify({ ...value, detail: { ...value.detail, ...changes.detail }, event: { ...value.event, ...changes.event }, ...changes.top });
}

describe("zendesk: signature", () => {
  it("accepts the test vector, within 5 minutes either side of its timestamp", async () => {
    for (const now of [SIGNED_AT, SIGNED_AT - 5 * 60_000, SIGNED_AT + 5 * 60_000]) {
      await expect(zendesk.verify(delivery(), context([SECRET], now))).resolves.toBeUndefined();
    }
    await expect(zendesk.verify(delivery(solved, { "content-type": "application/json; charset=utf-8" }), context())).resolves.toBeUndefined();
  });

  it("accepts a rotated secret: the second of two matches", async () => {
    await expect(zendesk.verify(delivery(), context(["a-newer-signing-secret", SECRET]))).resolves.toBeUndefined();
  });

  it("refuses a tampered body, a tampered signature, another timestamp or another secret", async () => {
    const cases = [
      delivery(solved.replace('"assignee_id": "235323"', '"assignee_id": "235324"')),
      delivery(solved.trimEnd()),
      delivery(solved, { "x-zendesk-webhook-signature": "hAUi45LS7sm/oLxI/aLdf0RY2EsOh2ghOlLrmlOAx0W=" }),
      delivery(solved, { "x-zendesk-webhook-signature-timestamp": "2024-04-17T17:42:32Z" }),
    ];
    for (const d of cases) expect(await refusal(() => zendesk.verify(d, context()))).toEqual({ status: 401, paths: ["header/x-zendesk-webhook-signature"] });
    expect(await refusal(() => zendesk.verify(delivery(), context(["another-signing-secret"])))).toEqual({
      status: 401,
      paths: ["header/x-zendesk-webhook-signature"],
    });
  });

  it("refuses a timestamp more than 5 minutes away, or not a timestamp, before comparing signatures", async () => {
    const stamp = "header/x-zendesk-webhook-signature-timestamp";
    for (const now of [SIGNED_AT + 5 * 60_000 + 1, SIGNED_AT - 5 * 60_000 - 1, Date.UTC(2026, 0, 1)]) {
      expect(await refusal(() => zendesk.verify(delivery(), context([SECRET], now)))).toEqual({ status: 401, paths: [stamp] });
    }
    expect(await refusal(() => zendesk.verify(delivery(solved, { [stamp.slice(7)]: "yesterday" }), context()))).toEqual({ status: 401, paths: [stamp] });
  });

  it("refuses a delivery without its signature headers (401 naming them) or with another content type (415)", async () => {
    for (const header of ["x-zendesk-webhook-signature", "x-zendesk-webhook-signature-timestamp"]) {
      expect(await refusal(() => zendesk.verify(delivery(solved, { [header]: undefined }), context()))).toEqual({ status: 401, paths: [`header/${header}`] });
      expect(await refusal(() => zendesk.verify(delivery(solved, { [header]: "" }), context()))).toEqual({ status: 401, paths: [`header/${header}`] });
    }
    for (const type of ["application/x-www-form-urlencoded", "text/json", undefined]) {
      expect(await refusal(() => zendesk.verify(delivery(solved, { "content-type": type }), context()))).toEqual({ status: 415, paths: ["header/content-type"] });
    }
  });

  it("verifies the raw bytes it is given, whatever they are", async () => {
    const body = "not json at all";
    const signature = toBase64(await hmac("SHA-256", SECRET, TIMESTAMP + body));
    await expect(zendesk.verify(delivery(body, { "x-zendesk-webhook-signature": signature }), context())).resolves.toBeUndefined();
    expect(await refusal(() => zendesk.toEvents(delivery(body), context()))).toEqual({ status: 400, paths: [""] });
  });

  it("has no options", () => {
    expect(zendesk.options.parse({})).toEqual({});
    expect(zendesk.options.safeParse({ csat: true }).success).toBe(false);
    expect([zendesk.platform, zendesk.ack, zendesk.secretIssuedBy]).toEqual(["zendesk", 200, "platform"]);
  });
});

describe("zendesk: events", () => {
  it("counts a ticket solved for its assignee, at the event's time", () => {
    expect(zendesk.toEvents(delivery(), context())).toEqual([
      {
        id: "01HV3Q7Z7K9XG4P2M5N8R1T6W0:contacts_handled",
        agent: "235323",
        agentField: "/detail/assignee_id",
        metric: "contacts_handled",
        value: 1,
        occurredAt: SIGNED_AT,
        occurredAtField: "/time",
      },
    ]);
  });

  it("takes the status in any case and a numeric assignee id; gives the same id for a retry", () => {
    const lower = edit(solved, { event: { current: "solved", previous: "pending" }, detail: { assignee_id: 235323 } });
    expect(zendesk.toEvents(delivery(lower), context())).toEqual(zendesk.toEvents(delivery(), context()));
  });

  it("counts nothing for other status changes, agent state changes or other ticket events", () => {
    const statuses: [string, string | null][] = [
      ["OPEN", "NEW"],
      ["PENDING", "OPEN"],
      ["CLOSED", "SOLVED"],
      ["SOLVED", "SOLVED"],
      ["OPEN", "SOLVED"],
    ];
    for (const [current, previous] of statuses) {
      // Not solved: the assignee may be missing without a refusal.
      const body = edit(solved, { event: { current, previous }, detail: { assignee_id: null } });
      expect(zendesk.toEvents(delivery(body), context())).toEqual([]);
    }
    expect(zendesk.toEvents(delivery(agentState), context())).toEqual([]);
    expect(zendesk.toEvents(delivery(assigned), context())).toEqual([]);
    for (const type of ["zen:event-type:ticket.created", "zen:event-type:user.active_changed", "zen:event-type:ticket.comment_added"]) {
      expect(zendesk.toEvents(delivery(edit(solved, { top: { type } })), context())).toEqual([]);
    }
  });

  it("refuses a solved ticket without the fields it needs (422 at their pointers)", async () => {
    const cases: [string, string][] = [
      [edit(solved, { detail: { assignee_id: undefined } }), "/detail/assignee_id"],
      [edit(solved, { detail: { assignee_id: null } }), "/detail/assignee_id"],
      [edit(solved, { detail: { assignee_id: "" } }), "/detail/assignee_id"],
      [edit(solved, { detail: { assignee_id: -4 } }), "/detail/assignee_id"],
      [edit(solved, { top: { id: undefined } }), "/id"],
      [edit(solved, { top: { id: "x".repeat(65) } }), "/id"],
      [edit(solved, { top: { time: "last tuesday" } }), "/time"],
      [edit(solved, { top: { detail: "SOLVED" } }), "/detail"],
      [edit(solved, { event: { current: undefined } }), "/event/current"],
      [edit(solved, { top: { type: undefined } }), "/type"],
    ];
    for (const [body, path] of cases) expect(await refusal(() => zendesk.toEvents(delivery(body), context()))).toEqual({ status: 422, paths: [path] });
    for (const body of ["[]", "null", "7"]) expect(await refusal(() => zendesk.toEvents(delivery(body), context()))).toEqual({ status: 422, paths: [""] });
  });
});

describe("zendesk: end-to-end sample", () => {
  it("countable, uncountable and missingField are signed as Zendesk signs and give what they promise; a stale one is refused", async () => {
    const input = { url: HOOK, secret: zendeskSample.secret, agent: "381220011", deliveryId: "01JH8Z0Q5N3B7C9D1E2F4G6H8J", now: Date.UTC(2026, 0, 5, 9) };
    const events = await checkSample(zendesk, zendeskSample, input);
    expect(events.map((e) => [e.id, e.agentField, e.occurredAt])).toEqual([[`zd-${input.deliveryId}:contacts_handled`, "/detail/assignee_id", input.now]]);
  });
});
