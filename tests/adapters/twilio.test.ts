/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { twilio } from "../../worker/adapters/twilio.ts";
import type { PlatformEvent, WebhookDelivery } from "../../worker/adapters/types.ts";
import { twilioSample } from "../platforms/twilio.ts";
import { checkSample, refusal } from "./support.ts";
import vector from "../fixtures/platforms/twilio-signature-test-vector.txt?raw";
import accepted from "../fixtures/platforms/twilio-taskrouter-reservation.accepted.txt?raw";
import taskCompleted from "../fixtures/platforms/twilio-taskrouter-task.completed.txt?raw";
// Built from Twilio's TaskRouter event reference (reservation events carry the Task and Worker
// fields) on the shape of reservation.accepted; the task attributes carry Flex Insights'
// `conversations.talk_time`, `hold_time` and `wrap_up_time` overrides.
import completed from "../fixtures/platforms/twilio-taskrouter-reservation.completed.txt?raw";
import timeout from "../fixtures/platforms/twilio-taskrouter-reservation.timeout.txt?raw";
// Built from Twilio's Voice StatusCallback parameters: the completed leg <Dial><Client> rang
// (To=client:jdoe), and a <Number> leg to an agent's phone that was not answered.
import voiceCompleted from "../fixtures/platforms/twilio-voice-status-callback.completed.txt?raw";
import voiceNoAnswer from "../fixtures/platforms/twilio-voice-status-callback.no-answer.txt?raw";

const TOKEN = "12345";
const VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
const VECTOR_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
const FORM = "application/x-www-form-urlencoded";
const HOOK = "https://floorboard.example/v1/webhooks/twilio-main";

const context = (options: Record<string, unknown> = {}, secrets = [TOKEN], now = Date.UTC(2024, 11, 2, 15)) => ({
  secrets,
  options: twilio.options.parse(options),
  now,
});
const delivery = (body: string, url = HOOK, headers: Record<string, string> = {}): WebhookDelivery => ({
  url,
  body,
  headers: { "content-type": FORM, ...headers },
});
const vectorDelivery = (changes: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  ...delivery(vector, VECTOR_URL, { "x-twilio-signature": VECTOR_SIGNATURE }),
  ...changes,
});
/** A form body with some parameters replaced (undefined: removed). */
function edit(body: string, changes: Record<string, string | undefined>): string {
  const form = new URLSearchParams(body);
  for (const [name, value] of Object.entries(changes)) value === undefined ? form.delete(name) : form.set(name, value);
  return form.toString();
}


const jdoe = { agent: "WK33333333333333333333333333333333", agentField: "form/WorkerSid", agentName: "jdoe" };

describe("twilio: signature", () => {
  it("accepts Twilio's published test vector", async () => {
    await expect(twilio.verify(vectorDelivery(), context())).resolves.toBeUndefined();
  });

  it("accepts a rotated token: the second of two secrets matches", async () => {
    await expect(twilio.verify(vectorDelivery(), context({}, ["0123456789abcdef0123456789abcdef", TOKEN]))).resolves.toBeUndefined();
  });

  it("refuses a tampered body, a tampered signature, another URL or another token", async () => {
    const cases: WebhookDelivery[] = [
      vectorDelivery({ body: edit(vector, { Digits: "1235" }) }),
      vectorDelivery({ body: `${vector}&Extra=1` }),
      vectorDelivery({ headers: { "content-type": FORM, "x-twilio-signature": "1/KCTR6DLpKmkAf8muzZqo1nDgQ=" } }),
      vectorDelivery({ url: "https://mycompany.com/myapp.php?foo=1&bar=3" }),
      vectorDelivery({ url: "https://mycompany.com/myapp.php" }),
    ];
    for (const d of cases) expect(await refusal(() => twilio.verify(d, context()))).toEqual({ status: 401, paths: ["header/x-twilio-signature"] });
    expect(await refusal(() => twilio.verify(vectorDelivery(), context({}, ["54321"])))).toEqual({
      status: 401,
      paths: ["header/x-twilio-signature"],
    });
  });

  it("refuses a delivery without a signature (401) or with another content type (415)", async () => {
    expect(await refusal(() => twilio.verify(delivery(vector, VECTOR_URL), context()))).toEqual({ status: 401, paths: ["header/x-twilio-signature"] });
    const json = vectorDelivery({ headers: { "content-type": "application/json", "x-twilio-signature": VECTOR_SIGNATURE } });
    expect(await refusal(() => twilio.verify(json, context()))).toEqual({ status: 415, paths: ["header/content-type"] });
    const none = vectorDelivery({ headers: { "x-twilio-signature": VECTOR_SIGNATURE } });
    expect(await refusal(() => twilio.verify(none, context()))).toEqual({ status: 415, paths: ["header/content-type"] });
  });

  it("accepts a content type with a charset, and the URL with or without the default port", async () => {
    const charset = vectorDelivery({ headers: { "content-type": `${FORM}; charset=utf-8`, "x-twilio-signature": VECTOR_SIGNATURE } });
    await expect(twilio.verify(charset, context())).resolves.toBeUndefined();
    await expect(twilio.verify(vectorDelivery({ url: "https://mycompany.com:443/myapp.php?foo=1&bar=2" }), context())).resolves.toBeUndefined();
  });

  it("signs signatureUrl instead of the received URL (behind a proxy), keeping the received query", async () => {
    const proxied = vectorDelivery({ url: "https://floorboard.internal/v1/webhooks/src?foo=1&bar=2" });
    expect((await refusal(() => twilio.verify(proxied, context()))).status).toBe(401);
    await expect(twilio.verify(proxied, context({ signatureUrl: "https://mycompany.com/myapp.php" }))).resolves.toBeUndefined();
    await expect(twilio.verify(proxied, context({ signatureUrl: VECTOR_URL }))).resolves.toBeUndefined();
  });
});

describe("twilio: options", () => {
  it("are all optional, strict, and checked", () => {
    expect(twilio.options.parse({})).toEqual({ agentParam: "agent" });
    expect(twilio.options.safeParse({ agentParm: "x" }).success).toBe(false);
    expect(twilio.options.safeParse({ signatureUrl: "/relative" }).success).toBe(false);
    expect(twilio.options.safeParse({ signatureUrl: "ftp://example.com/x" }).success).toBe(false);
    expect(twilio.options.safeParse({ agentParam: "has space" }).success).toBe(false);
    expect(twilio.platform).toBe("twilio");
    expect(twilio.ack).toBe(204);
    expect(twilio.secretIssuedBy).toBe("platform");
  });
});

describe("twilio: TaskRouter events", () => {
  it("counts reservation.completed for its worker, with the Flex Insights durations", () => {
    const at = 1733150471880;
    expect(twilio.toEvents(delivery(completed), context())).toEqual<PlatformEvent[]>([
      { id: "WRdddddddddddddddddddddddddddddddd:contacts_handled", metric: "contacts_handled", value: 1, occurredAt: at, occurredAtField: "form/TimestampMs", ...jdoe },
      { id: "WRdddddddddddddddddddddddddddddddd:handle_time_s", metric: "handle_time_s", value: 369, occurredAt: at, occurredAtField: "form/TimestampMs", ...jdoe },
      { id: "WRdddddddddddddddddddddddddddddddd:talk_time_s", metric: "talk_time_s", value: 320, occurredAt: at, occurredAtField: "form/TimestampMs", ...jdoe },
      { id: "WRdddddddddddddddddddddddddddddddd:hold_time_s", metric: "hold_time_s", value: 25, occurredAt: at, occurredAtField: "form/TimestampMs", ...jdoe },
      { id: "WRdddddddddddddddddddddddddddddddd:acw_time_s", metric: "acw_time_s", value: 49, occurredAt: at, occurredAtField: "form/TimestampMs", ...jdoe },
    ]);
  });

  it("counts a completed reservation without durations as a contact only, and takes Timestamp without TimestampMs", () => {
    const plain = edit(completed, { TaskAttributes: '{"type":"inbound"}', TimestampMs: undefined });
    expect(twilio.toEvents(delivery(plain), context())).toEqual([
      { id: "WRdddddddddddddddddddddddddddddddd:contacts_handled", metric: "contacts_handled", value: 1, occurredAt: 1733150471000, occurredAtField: "form/Timestamp", ...jdoe },
    ]);
    const talkOnly = edit(completed, { TaskAttributes: '{"conversations":{"talk_time":"61"}}' });
    expect(twilio.toEvents(delivery(talkOnly), context()).map((e) => [e.metric, e.value])).toEqual([
      ["contacts_handled", 1],
      ["handle_time_s", 61],
      ["talk_time_s", 61],
    ]);
  });

  it("counts a reservation that timed out or was rejected as a missed contact", () => {
    const missed = { id: "WRdddddddddddddddddddddddddddddddd:missed_contacts", metric: "missed_contacts", value: 1, occurredAt: 1733150099204, occurredAtField: "form/TimestampMs", ...jdoe };
    expect(twilio.toEvents(delivery(timeout), context())).toEqual([missed]);
    expect(twilio.toEvents(delivery(edit(timeout, { EventType: "reservation.rejected" })), context())).toEqual([missed]);
  });

  it("counts nothing for task.completed (no worker), reservation.accepted and other events", () => {
    expect(twilio.toEvents(delivery(taskCompleted), context())).toEqual([]);
    expect(twilio.toEvents(delivery(accepted), context())).toEqual([]);
    for (const type of ["reservation.canceled", "reservation.rescinded", "reservation.wrapup", "task.created", "worker.activity.update"]) {
      expect(twilio.toEvents(delivery(edit(accepted, { EventType: type })), context())).toEqual([]);
    }
  });

  it("gives the same ids for a retried delivery, distinct per metric, within 96 characters", () => {
    const first = twilio.toEvents(delivery(completed), context());
    expect(twilio.toEvents(delivery(completed), context({}, [TOKEN], Date.now()))).toEqual(first);
    expect(new Set(first.map((e) => e.id)).size).toBe(first.length);
    expect(first.every((e) => e.id.length <= 96)).toBe(true);
  });

  it("refuses a countable event without the fields it needs (422 naming the form field)", async () => {
    const cases: [string, string][] = [
      [edit(completed, { WorkerSid: undefined }), "form/WorkerSid"],
      [edit(timeout, { WorkerSid: "" }), "form/WorkerSid"],
      [edit(completed, { ReservationSid: undefined }), "form/ReservationSid"],
      [edit(completed, { TimestampMs: undefined, Timestamp: undefined }), "form/TimestampMs"],
      [edit(completed, { TimestampMs: "soon" }), "form/TimestampMs"],
      [edit(completed, { TaskAttributes: "{not json" }), "form/TaskAttributes"],
      [edit(completed, { TaskAttributes: '{"conversations":{"talk_time":90000}}' }), "form/TaskAttributes/conversations/talk_time"],
      [edit(completed, { TaskAttributes: '{"conversations":{"wrap_up_time":-3}}' }), "form/TaskAttributes/conversations/wrap_up_time"],
      [edit(completed, { TaskAttributes: '{"conversations":{"hold_time":"long"}}' }), "form/TaskAttributes/conversations/hold_time"],
      [edit(completed, { EventType: undefined }), "form/EventType"],
    ];
    for (const [body, path] of cases) expect(await refusal(() => twilio.toEvents(delivery(body), context()))).toEqual({ status: 422, paths: [path] });
  });
});

describe("twilio: Voice status callbacks", () => {
  const noAnswerUrl = `${HOOK}?agent=WK33333333333333333333333333333333`;

  it("counts a completed leg to a Twilio Client identity: a contact and its talk time", () => {
    const at = Date.UTC(2024, 11, 2, 14, 41, 11);
    const who = { agent: "jdoe", agentField: "form/To" };
    expect(twilio.toEvents(delivery(voiceCompleted), context())).toEqual([
      { id: "CA88888888888888888888888888888888:contacts_handled", metric: "contacts_handled", value: 1, occurredAt: at, occurredAtField: "form/Timestamp", ...who },
      { id: "CA88888888888888888888888888888888:talk_time_s", metric: "talk_time_s", value: 287, occurredAt: at, occurredAtField: "form/Timestamp", ...who },
    ]);
  });

  it("counts a leg that was not answered or busy as missed, for the agent named in the StatusCallback URL", () => {
    const missed = {
      id: "CA99999999999999999999999999999999:missed_contacts",
      agent: "WK33333333333333333333333333333333",
      agentField: "query/agent",
      metric: "missed_contacts",
      value: 1,
      occurredAt: Date.UTC(2024, 11, 2, 14, 35, 42),
      occurredAtField: "form/Timestamp",
    };
    expect(twilio.toEvents(delivery(voiceNoAnswer, noAnswerUrl), context())).toEqual([missed]);
    expect(twilio.toEvents(delivery(edit(voiceNoAnswer, { CallStatus: "busy" }), noAnswerUrl), context())).toEqual([missed]);
  });

  it("takes the agent from the configured parameter, in the body before the URL, before a Client identity", () => {
    const body = edit(voiceCompleted, { worker: "WK1" });
    const agents = (d: WebhookDelivery, options = {}) => twilio.toEvents(d, context(options)).map((e) => [e.agent, e.agentField]);
    expect(agents(delivery(body, `${HOOK}?worker=WK2`), { agentParam: "worker" })[0]).toEqual(["WK1", "form/worker"]);
    expect(agents(delivery(voiceCompleted, `${HOOK}?worker=WK2`), { agentParam: "worker" })[0]).toEqual(["WK2", "query/worker"]);
    expect(agents(delivery(voiceCompleted, `${HOOK}?worker=WK2`))[0]).toEqual(["jdoe", "form/To"]);
    const fromClient = edit(voiceCompleted, { To: "+15557654321", From: "client:asmith" });
    expect(agents(delivery(fromClient))[0]).toEqual(["asmith", "form/From"]);
  });

  it("never takes the agent from a query Twilio did not sign (signatureUrl with its own query)", () => {
    const options = { signatureUrl: `${HOOK}?agent=WK1` };
    const agents = (url: string) => twilio.toEvents(delivery(edit(voiceCompleted, { To: "+15557654321" }), url), context(options)).map((e) => [e.agent, e.agentField]);
    // The received query says WK2, but Twilio signed signatureUrl's: WK1 counts.
    expect(agents(`${HOOK}?agent=WK2`)[0]).toEqual(["WK1", "query/agent"]);
    expect(agents(HOOK)[0]).toEqual(["WK1", "query/agent"]);
    // Without a query of its own, signatureUrl is signed with the received query.
    const plain = twilio.toEvents(delivery(edit(voiceCompleted, { To: "+15557654321" }), `${HOOK}?agent=WK2`), context({ signatureUrl: HOOK }));
    expect(plain.map((e) => e.agent)).toEqual(["WK2", "WK2"]);
  });

  it("counts no missed contact when the agent placed the call and nobody answered", () => {
    const outbound = edit(voiceNoAnswer, { From: "client:asmith", To: "+15557654321" });
    expect(twilio.toEvents(delivery(outbound), context())).toEqual([]);
    // Answered, the agent's outbound call is a contact handled.
    const answered = edit(voiceCompleted, { From: "client:asmith", To: "+15557654321" });
    expect(twilio.toEvents(delivery(answered), context()).map((e) => [e.agent, e.metric])).toEqual([["asmith", "contacts_handled"], ["asmith", "talk_time_s"]]);
  });

  it("counts nothing for a leg without an agent, or for other statuses", () => {
    expect(twilio.toEvents(delivery(voiceNoAnswer), context())).toEqual([]);
    expect(twilio.toEvents(delivery(edit(voiceCompleted, { To: "+15005550006" })), context())).toEqual([]);
    for (const status of ["queued", "initiated", "ringing", "in-progress", "failed", "canceled"]) {
      expect(twilio.toEvents(delivery(edit(voiceCompleted, { CallStatus: status })), context())).toEqual([]);
    }
  });

  it("takes the time of delivery when the callback has no Timestamp", () => {
    const now = Date.UTC(2024, 11, 2, 14, 41, 12);
    const events = twilio.toEvents(delivery(edit(voiceCompleted, { Timestamp: undefined })), context({}, [TOKEN], now));
    expect(events.map((e) => e.occurredAt)).toEqual([now, now]);
  });

  it("refuses a completed leg without a usable duration, time or call id (422)", async () => {
    const cases: [string, string][] = [
      [edit(voiceCompleted, { CallDuration: undefined }), "form/CallDuration"],
      [edit(voiceCompleted, { CallDuration: "-1" }), "form/CallDuration"],
      [edit(voiceCompleted, { CallDuration: "86401" }), "form/CallDuration"],
      [edit(voiceCompleted, { Timestamp: "yesterday-ish" }), "form/Timestamp"],
      [edit(voiceCompleted, { CallSid: undefined }), "form/CallSid"],
      [edit(voiceCompleted, { To: `client:${"x".repeat(200)}` }), "form/To"],
    ];
    for (const [body, path] of cases) expect(await refusal(() => twilio.toEvents(delivery(body), context()))).toEqual({ status: 422, paths: [path] });
  });

  it("never crashes on a body that is not a form", async () => {
    for (const body of ["", "{\"EventType\":1}", "%%%", "\u0000\uffff"]) {
      expect(await refusal(() => twilio.toEvents(delivery(body), context()))).toEqual({ status: 422, paths: ["form/EventType"] });
    }
  });
});

describe("twilio: end-to-end sample", () => {
  it("countable, uncountable and missingField are signed as Twilio signs and give what they promise", async () => {
    const input = { url: `${HOOK}?x=1`, secret: twilioSample.secret, agent: "WK0123", deliveryId: "d-42", now: Date.UTC(2026, 0, 5, 9) };
    const events = await checkSample(twilio, twilioSample, input);
    expect(events.map((e) => [e.id, e.agentField, e.occurredAt])[0]).toEqual(["WRd-42:contacts_handled", "form/WorkerSid", input.now]);
  });
});
