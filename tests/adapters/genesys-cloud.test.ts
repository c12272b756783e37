/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { genesysCloud } from "../../worker/adapters/genesys-cloud.ts";
import type { WebhookDelivery } from "../../worker/adapters/types.ts";
import { genesysCloudSample } from "../platforms/genesys-cloud.ts";
import { checkSample, refusal } from "./support.ts";
import acw from "../fixtures/platforms/genesys-cloud-eventbridge-acw.json?raw";
// Built from the UserEndEvent detail topic's schema (Genesys Cloud's platform API clients): the same
// agent's part of the conversation, 312.4 s interacting and 45.2 s on hold.
import userEnd from "../fixtures/platforms/genesys-cloud-eventbridge-user-end.json?raw";

const KEY = "genesys-key-0123456789abcdef";
const url = "https://floorboard.example/v1/webhooks/src_AAAAAAAAAAAAAAAA";
const context = (options: Record<string, unknown> = {}, secrets = [KEY]) => ({ secrets, options: genesysCloud.options.parse(options), now: Date.now() });
const delivery = (body: string, headers: Record<string, string> = { "x-api-key": KEY }): WebhookDelivery => ({
  url,
  body,
  headers: { "content-type": "application/json", ...headers },
});
const edit = (change: (v: { "detail-type": string; detail: { eventBody: Record<string, unknown> } }) => void) => {
  const value = JSON.parse(acw);
  change(value);
  return JSON.stringify(value);
};
const CONVERSATION = "7c2f6d4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
const USER = "9d8c7b6a-5e4f-4a3b-2c1d-0e9f8a7b6c5d";
const RESOLVED = "4b3a2c1d-0e9f-4a8b-7c6d-5e4f3a2b1c0d";

describe("genesys cloud", () => {
  it("verifies the API destination's key like Amazon Connect: missing, wrong, rotated, custom header", async () => {
    await genesysCloud.verify(delivery(acw), context());
    await genesysCloud.verify(delivery(acw), context({}, ["a-newer-key-0123456789", KEY]));
    await genesysCloud.verify(delivery(acw, { "x-gc-key": KEY }), context({ apiKeyHeader: "x-gc-key" }));
    expect(await refusal(() => genesysCloud.verify(delivery(acw, {}), context()))).toEqual({ status: 401, paths: ["header/x-api-key"] });
    expect(await refusal(() => genesysCloud.verify(delivery(acw, { "x-api-key": "nope-nope-nope" }), context()))).toEqual({ status: 401, paths: ["header/x-api-key"] });
    expect(await refusal(() => genesysCloud.verify({ ...delivery(acw), headers: { "x-api-key": KEY } }, context()))).toEqual({ status: 415, paths: ["header/content-type"] });
  });

  it("after-call work counts the contact and its wrap-up time for the agent", () => {
    const base = { agent: USER, agentField: "/detail/eventBody/userId", occurredAt: 1765552181204, occurredAtField: "/detail/eventBody/eventTime" };
    expect(genesysCloud.toEvents(delivery(acw), context())).toEqual([
      { ...base, id: `${CONVERSATION}:${USER}:contacts_handled`, metric: "contacts_handled", value: 1 },
      { ...base, id: `${CONVERSATION}:${USER}:acw_time_s`, metric: "acw_time_s", value: 41 },
    ]);
  });

  it("with resolvedWrapupCodes, every counted contact is a denominator and a listed code also a numerator", () => {
    const parts = (body: string) => genesysCloud.toEvents(delivery(body), context({ resolvedWrapupCodes: [RESOLVED] })).filter((e) => e.part).map((e) => [e.part, e.id]);
    expect(parts(acw)).toEqual([
      ["denominator", `${CONVERSATION}:${USER}:resolved_first_contact:denominator`],
      ["numerator", `${CONVERSATION}:${USER}:resolved_first_contact:numerator`],
    ]);
    expect(parts(edit((v) => (v.detail.eventBody.wrapupCode = "another-code")))).toEqual([["denominator", `${CONVERSATION}:${USER}:resolved_first_contact:denominator`]]);
  });

  it("the agent's part ending gives talk and hold time, or a missed contact when they were alerted and never answered", () => {
    const base = { agent: USER, agentField: "/detail/eventBody/userId", occurredAt: 1765552140117, occurredAtField: "/detail/eventBody/eventTime" };
    expect(genesysCloud.toEvents(delivery(userEnd), context())).toEqual([
      { ...base, id: `${CONVERSATION}:${USER}:talk_time_s`, metric: "talk_time_s", value: 312 },
      { ...base, id: `${CONVERSATION}:${USER}:hold_time_s`, metric: "hold_time_s", value: 45 },
    ]);
    const unanswered = JSON.parse(userEnd);
    delete unanswered.detail.eventBody.interactingDurationMs;
    delete unanswered.detail.eventBody.heldDurationMs;
    expect(genesysCloud.toEvents(delivery(JSON.stringify(unanswered)), context())).toEqual([
      { ...base, id: `${CONVERSATION}:${USER}:missed_contacts`, metric: "missed_contacts", value: 1 },
    ]);
    delete unanswered.detail.eventBody.alertingDurationMs;
    expect(genesysCloud.toEvents(delivery(JSON.stringify(unanswered)), context())).toEqual([]);
    const bad = JSON.parse(userEnd);
    bad.detail.eventBody.heldDurationMs = "45200";
    return refusal(() => genesysCloud.toEvents(delivery(JSON.stringify(bad)), context())).then((r) => expect(r).toEqual({ status: 422, paths: ["/detail/eventBody/heldDurationMs"] }));
  });

  it("other topics count nothing", () => {
    for (const topic of ["user.start", "customer.end", "acd.end"]) {
      expect(genesysCloud.toEvents(delivery(edit((v) => (v["detail-type"] = `v2.detail.events.conversation.{id}.${topic}`))), context()), topic).toEqual([]);
    }
  });

  it("refuses malformed after-call work with 422 at the field, and non-JSON with 400", async () => {
    const cases: [string, string][] = [
      [edit((v) => delete v.detail.eventBody.userId), "/detail/eventBody/userId"],
      [edit((v) => delete v.detail.eventBody.wrapupDurationMs), "/detail/eventBody/wrapupDurationMs"],
      [edit((v) => (v.detail.eventBody.wrapupDurationMs = -5)), "/detail/eventBody/wrapupDurationMs"],
      [edit((v) => (v.detail.eventBody.wrapupDurationMs = 9e12)), "/detail/eventBody/wrapupDurationMs"],
      [edit((v) => (v.detail.eventBody.wrapupDurationMs = "41250")), "/detail/eventBody/wrapupDurationMs"],
      [edit((v) => (v.detail.eventBody.eventTime = "yesterday")), "/detail/eventBody/eventTime"],
      [edit((v) => (v.detail.eventBody.conversationId = "../../x")), "/detail/eventBody/conversationId"],
      [JSON.stringify("acw"), ""],
    ];
    for (const [body, path] of cases) expect(await refusal(() => genesysCloud.toEvents(delivery(body), context())), path).toEqual({ status: 422, paths: [path] });
    expect(await refusal(() => genesysCloud.toEvents(delivery("{"), context()))).toEqual({ status: 400, paths: [""] });
  });

  it("the end-to-end sample is what the adapter accepts", async () => {
    await checkSample(genesysCloud, genesysCloudSample, { url, secret: genesysCloudSample.secret, agent: "user-uuid-1", deliveryId: "x1", now: Date.now() });
  });
});
