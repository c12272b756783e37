/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { aircall } from "../../worker/adapters/aircall.ts";
import type { PlatformEvent, WebhookDelivery } from "../../worker/adapters/types.ts";
import { aircallSample } from "../platforms/aircall.ts";
import { checkSample, refusal } from "./support.ts";
import ended from "../fixtures/platforms/aircall-call.ended.json?raw";
// Built from Aircall's call object on the shape of call.ended: an inbound call to Jane's line that
// nobody answered (`answered_at` null, `missed_call_reason` agents_did_not_answer).
import missed from "../fixtures/platforms/aircall-call.ended.missed.json?raw";
// Built from Aircall's user object: Jane opened her availability (a `user.*` event).
import opened from "../fixtures/platforms/aircall-user.opened.json?raw";

const TOKEN = "45XXYYZZa08";
const HOOK = "https://floorboard.example/v1/webhooks/aircall-main";

const context = (options: Record<string, unknown> = {}, secrets = [TOKEN]) => ({
  secrets,
  options: aircall.options.parse(options),
  now: Date.UTC(2024, 11, 2, 15),
});
const delivery = (body: string, type = "application/json"): WebhookDelivery => ({ url: HOOK, body, headers: { "content-type": type } });
/** The fixture with top-level changes and changes to `data` (undefined: removed). */
function edit(body: string, changes: Record<string, unknown>, data: Record<string, unknown> = {}): string {
  const value = JSON.parse(body) as { data: Record<string, unknown> };
  return JSON.stringify({ ...value, data: { ...value.data, ...data }, ...changes });
}


const jane = { agent: "216119", agentField: "/data/user/id", agentName: "Jane Doe" };
const ENDED_AT = 1733150840_000;

describe("aircall: token", () => {
  it("accepts the webhook's token, and the second of two secrets after a rotation", async () => {
    await expect(aircall.verify(delivery(ended), context())).resolves.toBeUndefined();
    await expect(aircall.verify(delivery(ended), context({}, ["a-newer-token-value", TOKEN]))).resolves.toBeUndefined();
    await expect(aircall.verify(delivery(ended, "application/json; charset=utf-8"), context())).resolves.toBeUndefined();
  });

  it("refuses another token, and a body with no token it could trust, at /token (401)", async () => {
    const cases = [
      edit(ended, { token: "45XXYYZZa09" }),
      edit(ended, { token: `${TOKEN} ` }),
      edit(ended, { token: "" }),
      edit(ended, { token: 45 }),
      edit(ended, { token: undefined }),
      "not json",
      "",
      "null",
      `[${JSON.stringify(TOKEN)}]`,
      ended.slice(0, 40),
    ];
    for (const body of cases) expect(await refusal(() => aircall.verify(delivery(body), context()))).toEqual({ status: 401, paths: ["/token"] });
  });

  it("refuses another content type (415)", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", ""]) {
      expect(await refusal(() => aircall.verify(delivery(ended, type), context()))).toEqual({ status: 415, paths: ["header/content-type"] });
    }
  });

  it("has strict options with tag lists", () => {
    expect(aircall.options.parse({})).toEqual({ resolvedTags: [], salesTags: [] });
    expect(aircall.options.safeParse({ resolvedTag: ["x"] }).success).toBe(false);
    expect(aircall.options.safeParse({ salesTags: "Sale" }).success).toBe(false);
    expect(aircall.options.safeParse({ salesTags: [""] }).success).toBe(false);
    expect([aircall.platform, aircall.ack, aircall.secretIssuedBy]).toEqual(["aircall", 200, "platform"]);
  });
});

describe("aircall: call.ended", () => {
  it("counts an answered call for its user: talk and handle time from answered_at to ended_at", () => {
    expect(aircall.toEvents(delivery(ended), context())).toEqual<PlatformEvent[]>([
      { id: "76259012:contacts_handled", metric: "contacts_handled", value: 1, occurredAt: ENDED_AT, occurredAtField: "/data/ended_at", ...jane },
      { id: "76259012:talk_time_s", metric: "talk_time_s", value: 346, occurredAt: ENDED_AT, occurredAtField: "/data/ended_at", ...jane },
      { id: "76259012:handle_time_s", metric: "handle_time_s", value: 346, occurredAt: ENDED_AT, occurredAtField: "/data/ended_at", ...jane },
    ]);
  });

  it("counts resolved_first_contact parts and sales from the call's tags (case-insensitive)", () => {
    const options = { resolvedTags: ["resolved"], salesTags: ["Sale", "Upsell"] };
    const tagged = edit(ended, {}, { tags: [{ name: "Resolved" }, { name: "upsell" }] });
    expect(aircall.toEvents(delivery(tagged), context(options)).slice(3)).toEqual([
      { id: "76259012:resolved_first_contact:denominator", metric: "resolved_first_contact", part: "denominator", value: 1, occurredAt: ENDED_AT, occurredAtField: "/data/ended_at", ...jane },
      { id: "76259012:resolved_first_contact:numerator", metric: "resolved_first_contact", part: "numerator", value: 1, occurredAt: ENDED_AT, occurredAtField: "/data/ended_at", ...jane },
      { id: "76259012:sales", metric: "sales", value: 1, occurredAt: ENDED_AT, occurredAtField: "/data/ended_at", ...jane },
    ]);
    const untagged = edit(ended, {}, { tags: [] });
    expect(aircall.toEvents(delivery(untagged), context(options)).slice(3).map((e) => e.id)).toEqual(["76259012:resolved_first_contact:denominator"]);
    // Without resolvedTags the ratio is not reported at all (no denominators either).
    expect(aircall.toEvents(delivery(ended), context({ salesTags: ["Sale"] }))).toHaveLength(3);
  });

  it("counts an inbound call nobody answered as missed for its user", () => {
    expect(aircall.toEvents(delivery(missed), context())).toEqual([
      { id: "76259377:missed_contacts", metric: "missed_contacts", value: 1, occurredAt: 1733151207_000, occurredAtField: "/data/ended_at", ...jane },
    ]);
  });

  it("counts nothing for an unanswered outbound call or a call without a user", () => {
    expect(aircall.toEvents(delivery(edit(missed, {}, { direction: "outbound" })), context())).toEqual([]);
    expect(aircall.toEvents(delivery(edit(missed, {}, { user: null })), context())).toEqual([]);
    expect(aircall.toEvents(delivery(edit(ended, {}, { user: null })), context())).toEqual([]);
  });

  it("accepts string ids and gives the same ids for a retry, distinct per metric", () => {
    const options = { resolvedTags: ["Resolved"] };
    const first = aircall.toEvents(delivery(ended), context(options));
    expect(aircall.toEvents(delivery(edit(ended, { timestamp: 1733150999 })), context(options))).toEqual(first);
    expect(new Set(first.map((e) => e.id)).size).toBe(first.length);
    const strings = aircall.toEvents(delivery(edit(ended, {}, { id: "c-1", user: { id: "u-7" } })), context());
    expect(strings.map((e) => [e.id, e.agent])).toEqual([
      ["c-1:contacts_handled", "u-7"],
      ["c-1:talk_time_s", "u-7"],
      ["c-1:handle_time_s", "u-7"],
    ]);
  });

  it("refuses a call.ended without the fields it needs (422 at their pointers)", async () => {
    const cases: [string, string][] = [
      [edit(ended, {}, { id: undefined }), "/data/id"],
      [edit(ended, {}, { id: "x".repeat(49) }), "/data/id"],
      [edit(ended, {}, { user: { name: "Jane Doe" } }), "/data/user/id"],
      [edit(ended, {}, { ended_at: undefined }), "/data/ended_at"],
      [edit(ended, {}, { ended_at: "soon" }), "/data/ended_at"],
      [edit(ended, {}, { ended_at: 1733150400 }), "/data/ended_at"],
      [edit(ended, {}, { ended_at: 1733150494 + 86_401 }), "/data/ended_at"],
      [edit(ended, {}, { answered_at: -1 }), "/data/answered_at"],
      [edit(ended, {}, { tags: "Resolved" }), "/data/tags"],
      [edit(ended, { data: undefined }), "/data"],
      [edit(ended, { event: undefined }), "/event"],
    ];
    for (const [body, path] of cases) {
      const refused = await refusal(() => aircall.toEvents(delivery(body), context()));
      expect({ status: refused.status, path: refused.paths[0] }).toEqual({ status: 422, path });
    }
    expect(await refusal(() => aircall.toEvents(delivery("{"), context()))).toEqual({ status: 400, paths: [""] });
  });
});

describe("aircall: other events", () => {
  it("counts nothing for user and other call events", () => {
    expect(aircall.toEvents(delivery(opened), context())).toEqual([]);
    for (const event of ["call.created", "call.answered", "call.hungup", "call.tagged", "call.commented", "number.opened"]) {
      expect(aircall.toEvents(delivery(edit(ended, { event })), context())).toEqual([]);
    }
  });
});

describe("aircall: end-to-end sample", () => {
  it("countable, uncountable and missingField carry the token and give what they promise", async () => {
    const input = { url: HOOK, secret: aircallSample.secret, agent: "216119", deliveryId: "9100200300", now: Date.UTC(2026, 0, 5, 9) };
    const events = await checkSample(aircall, aircallSample, input);
    expect(events.map((e) => [e.id, e.agentField, e.occurredAt])[0]).toEqual(["9100200300:contacts_handled", "/data/user/id", input.now]);
    expect(aircallSample.signatureHeader).toBeUndefined();
  });
});
