/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { amazonConnect } from "../../worker/adapters/amazon-connect.ts";
import type { WebhookDelivery } from "../../worker/adapters/types.ts";
import { amazonConnectSample } from "../platforms/amazon-connect.ts";
import { checkSample, refusal } from "./support.ts";
import connected from "../fixtures/platforms/amazon-connect-contact-event-connected_to_agent.json?raw";
import disconnected from "../fixtures/platforms/amazon-connect-contact-event-disconnected.json?raw";
// Built from the contact events data model: the same contact's COMPLETED event, after 62 s of after-contact work.
import completed from "../fixtures/platforms/amazon-connect-contact-event-completed.json?raw";

const KEY = "connect-key-0123456789abcdef";
const url = "https://floorboard.example/v1/webhooks/src_AAAAAAAAAAAAAAAA";
const context = (options: Record<string, unknown> = {}, secrets = [KEY]) => ({ secrets, options: amazonConnect.options.parse(options), now: Date.now() });
const delivery = (body: string, headers: Record<string, string> = { "x-api-key": KEY }): WebhookDelivery => ({
  url,
  body,
  headers: { "content-type": "application/json", ...headers },
});
const AGENT = "aaaaaaaa-1234-1234-1234-123456789012";
const CONTACT = "11111111-1111-1111-1111-111111111111";
const edit = (body: string, change: (v: { detail: Record<string, any> }) => void) => {
  const value = JSON.parse(body);
  change(value);
  return JSON.stringify(value);
};

describe("amazon connect: the API destination's key", () => {
  it("accepts the key, a rotated pair, and a custom header", async () => {
    await amazonConnect.verify(delivery(disconnected), context());
    await amazonConnect.verify(delivery(disconnected), context({}, ["the-new-key-0123456789", KEY]));
    await amazonConnect.verify(delivery(disconnected, { "x-floorboard-key": KEY }), context({ apiKeyHeader: "x-floorboard-key" }));
  });

  it("refuses a missing or wrong key at the header, and another content type", async () => {
    expect(await refusal(() => amazonConnect.verify(delivery(disconnected, {}), context()))).toEqual({ status: 401, paths: ["header/x-api-key"] });
    expect(await refusal(() => amazonConnect.verify(delivery(disconnected, { "x-api-key": `${KEY}x` }), context()))).toEqual({ status: 401, paths: ["header/x-api-key"] });
    expect(await refusal(() => amazonConnect.verify(delivery(disconnected), context({ apiKeyHeader: "x-floorboard-key" })))).toEqual({
      status: 401,
      paths: ["header/x-floorboard-key"],
    });
    expect(await refusal(() => amazonConnect.verify({ ...delivery(disconnected), headers: { "content-type": "text/plain", "x-api-key": KEY } }, context()))).toEqual({
      status: 415,
      paths: ["header/content-type"],
    });
  });

  it("refuses an option that is not a header name", () => {
    expect(amazonConnect.options.safeParse({ apiKeyHeader: "X Api Key" }).success).toBe(false);
    expect(amazonConnect.options.safeParse({ other: 1 }).success).toBe(false);
  });
});

describe("amazon connect: contact events", () => {
  it("DISCONNECTED counts the contact and the agent's time on it", () => {
    const at = Date.parse("2021-08-04T17:35:37.000Z");
    const base = { agent: AGENT, agentField: "/detail/agentInfo/agentArn", occurredAt: at, occurredAtField: "/detail/disconnectTimestamp" };
    expect(amazonConnect.toEvents(delivery(disconnected), context())).toEqual([
      { ...base, id: `${CONTACT}:contacts_handled`, metric: "contacts_handled", value: 1 },
      // 17:29:09 connected to the agent, 17:35:37 disconnected.
      { ...base, id: `${CONTACT}:talk_time_s`, metric: "talk_time_s", value: 388 },
    ]);
    const withHold = edit(disconnected, (v) => (v.detail.agentInfo.customerHoldDuration = 45));
    expect(amazonConnect.toEvents(delivery(withHold), context()).find((e) => e.metric === "hold_time_s")).toMatchObject({ value: 45, id: `${CONTACT}:hold_time_s` });
  });

  it("COMPLETED gives after-contact work and handle time, with ids of their own", () => {
    const at = Date.parse("2021-08-04T17:36:39.000Z");
    const base = { agent: AGENT, agentField: "/detail/agentInfo/agentArn", occurredAt: at, occurredAtField: "/detail/agentInfo/afterContactWorkEndTimestamp" };
    expect(amazonConnect.toEvents(delivery(completed), context())).toEqual([
      // 17:29:09 connected, 17:36:39 after-contact work ended.
      { ...base, id: `${CONTACT}:handle_time_s`, metric: "handle_time_s", value: 450 },
      { ...base, id: `${CONTACT}:acw_time_s`, metric: "acw_time_s", value: 62 },
    ]);
  });

  it("other events, and contacts that never reached an agent, count nothing", () => {
    expect(amazonConnect.toEvents(delivery(connected), context())).toEqual([]);
    expect(amazonConnect.toEvents(delivery(edit(disconnected, (v) => delete v.detail.agentInfo)), context())).toEqual([]);
    expect(amazonConnect.toEvents(delivery(JSON.stringify({ ...JSON.parse(disconnected), "detail-type": "Amazon Connect Agent Event" })), context())).toEqual([]);
  });

  it("refuses malformed events with 422 at the field, and what is not JSON with 400", async () => {
    const cases: [string, string][] = [
      [edit(disconnected, (v) => delete v.detail.contactId), "/detail/contactId"],
      [edit(disconnected, (v) => (v.detail.agentInfo.agentArn = "arn:aws:connect:queue/x")), "/detail/agentInfo/agentArn"],
      [edit(disconnected, (v) => (v.detail.agentInfo.connectedToAgentTimestamp = "soon")), "/detail/agentInfo/connectedToAgentTimestamp"],
      [edit(disconnected, (v) => (v.detail.agentInfo.customerHoldDuration = "NaN")), "/detail/agentInfo/customerHoldDuration"],
      [edit(disconnected, (v) => (v.detail.agentInfo.customerHoldDuration = 1e9)), "/detail/agentInfo/customerHoldDuration"],
      [edit(disconnected, (v) => (v.detail.disconnectTimestamp = "2021-08-03T17:35:37.000Z")), "/detail/disconnectTimestamp"],
      [edit(completed, (v) => (v.detail.agentInfo.afterContactWorkEndTimestamp = "2021-08-09T17:35:37.000Z")), "/detail/agentInfo/afterContactWorkEndTimestamp"],
      [JSON.stringify([1, 2]), ""],
      [JSON.stringify({ "detail-type": "Amazon Connect Contact Event" }), "/detail"],
    ];
    for (const [body, path] of cases) expect(await refusal(() => amazonConnect.toEvents(delivery(body), context())), path).toEqual({ status: 422, paths: [path] });
    expect(await refusal(() => amazonConnect.toEvents(delivery("{not json"), context()))).toEqual({ status: 400, paths: [""] });
  });

  it("the end-to-end sample is what the adapter accepts", async () => {
    await checkSample(amazonConnect, amazonConnectSample, { url, secret: amazonConnectSample.secret, agent: "agent-uuid-1", deliveryId: "x1", now: Date.now() });
  });
});
