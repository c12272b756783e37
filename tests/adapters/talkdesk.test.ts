/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { talkdesk } from "../../worker/adapters/talkdesk.ts";
import type { WebhookDelivery } from "../../worker/adapters/types.ts";
import { talkdeskSample } from "../platforms/talkdesk.ts";
import { checkSample, refusal } from "./support.ts";
// The payload the setup guide's template makes Talkdesk's HTTP Notifier post when "An inbound call ends"
// (Talkdesk renders template variables as strings).
import finished from "../fixtures/platforms/talkdesk-call_finished.json?raw";

const SECRET = "talkdesk-secret-0123456789abcdef";
const url = "https://floorboard.example/v1/webhooks/src_AAAAAAAAAAAAAAAA";
const context = (options: Record<string, unknown> = {}, secrets = [SECRET]) => ({ secrets, options: talkdesk.options.parse(options), now: Date.now() });
const delivery = (body: string, headers: Record<string, string> = { "x-floorboard-secret": SECRET }): WebhookDelivery => ({
  url,
  body,
  headers: { "content-type": "application/json", ...headers },
});
const edit = (changes: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(finished), ...changes });
const CALL = "5f3b1a2c9d8e4f70a1b2c3d4e5f60718";
const base = { agent: "60a7b3c2d1e0f9a8b7c6d5e4", agentField: "/agent_id", agentName: "Jane Doe", occurredAt: Date.parse("2026-11-23T14:02:11Z"), occurredAtField: "/ended_at" };

describe("talkdesk", () => {
  it("takes the shared secret from its header or as a bearer token; refuses it missing or wrong", async () => {
    await talkdesk.verify(delivery(finished), context());
    await talkdesk.verify(delivery(finished, { authorization: `Bearer ${SECRET}` }), context());
    await talkdesk.verify(delivery(finished, { "x-td": SECRET }), context({ secretHeader: "x-td" }));
    await talkdesk.verify(delivery(finished), context({}, ["rotated-secret-0123456789", SECRET]));
    expect(await refusal(() => talkdesk.verify(delivery(finished, {}), context()))).toEqual({ status: 401, paths: ["header/x-floorboard-secret"] });
    expect(await refusal(() => talkdesk.verify(delivery(finished, { "x-floorboard-secret": "guess-guess-guess" }), context()))).toEqual({ status: 401, paths: ["header/x-floorboard-secret"] });
    expect(await refusal(() => talkdesk.verify(delivery(finished, { authorization: "Bearer nope" }), context()))).toEqual({ status: 401, paths: ["header/x-floorboard-secret"] });
    expect(await refusal(() => talkdesk.verify({ ...delivery(finished), headers: { "content-type": "text/plain", "x-floorboard-secret": SECRET } }, context()))).toEqual({
      status: 415,
      paths: ["header/content-type"],
    });
  });

  it("a finished call counts the contact, its talk, hold and wrap-up time, and their sum as handle time", () => {
    expect(talkdesk.toEvents(delivery(finished), context())).toEqual([
      { ...base, id: `${CALL}:contacts_handled`, metric: "contacts_handled", value: 1 },
      { ...base, id: `${CALL}:talk_time_s`, metric: "talk_time_s", value: 251 },
      { ...base, id: `${CALL}:hold_time_s`, metric: "hold_time_s", value: 20 },
      { ...base, id: `${CALL}:acw_time_s`, metric: "acw_time_s", value: 41 },
      { ...base, id: `${CALL}:handle_time_s`, metric: "handle_time_s", value: 312 },
    ]);
    expect(talkdesk.toEvents(delivery(edit({ hold_time: null, wrap_up_time: undefined })), context()).map((e) => [e.metric, e.value])).toEqual([
      ["contacts_handled", 1],
      ["talk_time_s", 251],
      ["handle_time_s", 251],
    ]);
  });

  it("a missed call is the agent's miss; a CSAT score is the agent's csat; anything else counts nothing", () => {
    expect(talkdesk.toEvents(delivery(edit({ event: "call_missed" })), context())).toEqual([{ ...base, id: `${CALL}:missed_contacts`, metric: "missed_contacts", value: 1 }]);
    expect(talkdesk.toEvents(delivery(edit({ event: "csat_received", csat_score: "5" })), context())).toEqual([{ ...base, id: `${CALL}:csat`, metric: "csat", value: 5 }]);
    for (const event of ["call_abandoned", "agent_status_changed", "contact_created"]) expect(talkdesk.toEvents(delivery(edit({ event })), context())).toEqual([]);
  });

  it("refuses malformed notifications with 422 at the field, and non-JSON with 400", async () => {
    const cases: [string, string][] = [
      [edit({ talk_time: undefined }), "/talk_time"],
      [edit({ talk_time: "NaN" }), "/talk_time"],
      [edit({ talk_time: "-3" }), "/talk_time"],
      [edit({ hold_time: 100_000 }), "/hold_time"],
      [edit({ agent_id: "" }), "/agent_id"],
      [edit({ agent_id: undefined }), "/agent_id"],
      [edit({ ended_at: "{{ended_at}}" }), "/ended_at"],
      [edit({ event: "csat_received", csat_score: "great" }), "/csat_score"],
      [JSON.stringify({ call_id: "x" }), "/event"],
      [JSON.stringify(null), ""],
    ];
    for (const [body, path] of cases) expect(await refusal(() => talkdesk.toEvents(delivery(body), context())), path).toEqual({ status: 422, paths: [path] });
    expect(await refusal(() => talkdesk.toEvents(delivery("event=call_finished"), context()))).toEqual({ status: 400, paths: [""] });
  });

  it("the end-to-end sample is what the adapter accepts", async () => {
    await checkSample(talkdesk, talkdeskSample, { url, secret: talkdeskSample.secret, agent: "td-agent-1", deliveryId: "x1", now: Date.now() });
  });
});
