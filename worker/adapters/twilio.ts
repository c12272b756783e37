/**
 * Twilio: TaskRouter event callbacks (the workspace's Event Callback URL) and Programmable Voice
 * status callbacks, both `application/x-www-form-urlencoded` and signed with `X-Twilio-Signature`:
 * base64(HMAC-SHA1(auth token, URL + every POST parameter's name and value, sorted by name)).
 *
 * TaskRouter (a body with `EventType`):
 * - `reservation.completed` is the contact a worker handled: task events carry no worker, a
 *   reservation event carries both the task and the worker (`WorkerSid`). contacts_handled 1, and the
 *   durations when the task's attributes carry Flex Insights' `conversations.talk_time`,
 *   `hold_time` and `wrap_up_time` (seconds): handle time = talk + wrap-up (hold is within talk).
 *   TaskRouter itself reports no per-worker durations (`TaskAge` includes the time in queue).
 * - `reservation.timeout` and `reservation.rejected`: missed_contacts 1 for the worker.
 * - everything else (`task.completed`, which names no worker; `reservation.accepted`,
 *   `worker.activity.update`, …): nothing countable.
 *
 * Voice (a body with `CallStatus`): the call leg's agent is the `agentParam` parameter (in the
 * StatusCallback URL's query or the body), else a Twilio Client identity in `To` or `From`
 * (`client:jdoe` -> `jdoe`). `completed` -> contacts_handled 1 and talk_time_s `CallDuration`;
 * `no-answer` and `busy` -> missed_contacts 1, unless the agent placed the call (`From`). A leg with
 * no agent counts nothing.
 */
import { z } from "zod";
import { parseWith, ProblemError } from "../problem.ts";
import { Seconds } from "./body.ts";
import { hmac, signatureMatches, toBase64 } from "./crypto.ts";
import type { Adapter, PlatformEvent, WebhookDelivery } from "./types.ts";

const options = z.strictObject({
  /**
   * The URL Twilio calls, when a proxy in front of Floorboard rewrites it (Twilio signs the URL it
   * called). The received query string is appended unless this URL has its own.
   */
  signatureUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** The parameter (StatusCallback URL query or POST body) that names the agent of a Voice call leg. */
  agentParam: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, "must be a parameter name: a letter, then letters, digits, _ or -")
    .default("agent"),
});
export type TwilioOptions = z.infer<typeof options>;

const SIGNATURE = "x-twilio-signature";

type Form = Record<string, string>;
type Metric = PlatformEvent["metric"];

/** Twilio's ids (WK…, WR…, CA…): short enough that `${sid}:${metric}` stays within 96 characters. */
const Sid = z.string().trim().min(1).max(64);
const Digits = z.string().regex(/^\d{1,16}$/, "must be a whole number").transform(Number);

const Reservation = z.looseObject({
  ReservationSid: Sid,
  WorkerSid: Sid,
  WorkerName: z.string().optional(),
  TimestampMs: Digits.optional(),
  Timestamp: Digits.optional(),
  TaskAttributes: z.string().optional(),
});
/** Flex Insights' overrides in a task's attributes (seconds), when a plugin or workflow sets them. */
const InsightsAttributes = z.looseObject({
  conversations: z
    .looseObject({ talk_time: Seconds.optional(), hold_time: Seconds.optional(), wrap_up_time: Seconds.optional() })
    .optional(),
});
const CallLeg = z.looseObject({
  CallSid: Sid,
  CallStatus: z.string(),
  CallDuration: Seconds.optional(),
  Timestamp: z.string().optional(),
});

/** The first value of each parameter, as Twilio sends them. */
function formOf(body: string): Form {
  const form: Form = {};
  for (const [name, value] of new URLSearchParams(body)) if (!(name in form)) form[name] = value;
  return form;
}

function requireForm(delivery: WebhookDelivery): void {
  const type = delivery.headers["content-type"] ?? "";
  if (/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) return;
  throw new ProblemError(415, "Unsupported media type", "Twilio posts application/x-www-form-urlencoded.", [
    { path: "header/content-type", message: `expected application/x-www-form-urlencoded, got ${type || "nothing"}` },
  ]);
}

/** The URL Twilio signed: as received, or `signatureUrl` (with the received query unless it has its own). */
function signedUrl(received: string, signatureUrl: string | undefined): string {
  if (signatureUrl === undefined) return received;
  return signatureUrl.includes("?") ? signatureUrl : signatureUrl + searchOf(received);
}

/** The signed URL with and without the scheme's default port, as Twilio's own validators try. */
function urlsToSign(received: string, signatureUrl: string | undefined): string[] {
  const url = signedUrl(received, signatureUrl);
  const parts = /^(https?):\/\/([^/?#:]+)(:\d+)?(.*)$/i.exec(url);
  if (!parts) return [url];
  const [, scheme, host, port, rest] = parts;
  const defaultPort = scheme!.toLowerCase() === "https" ? ":443" : ":80";
  return [...new Set([url, `${scheme}://${host}${rest}`, `${scheme}://${host}${port ?? defaultPort}${rest}`])];
}

function searchOf(url: string): string {
  const at = url.indexOf("?");
  return at < 0 ? "" : url.slice(at).split("#")[0]!;
}

/** The data Twilio signs after the URL: every parameter's name then value, sorted by name (then value). */
function signedParams(body: string): string {
  const pairs = [...new URLSearchParams(body)];
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([name, value]) => name + value).join("");
}

function refuse(path: string, message: string): ProblemError {
  return new ProblemError(422, "Validation failed", `Invalid field(s): ${path}`, [{ path, message }]);
}

type When = Pick<PlatformEvent, "occurredAt" | "occurredAtField">;

function event(id: string, metric: Metric, value: number, who: Agent, when: When): PlatformEvent {
  return { id: `${id}:${metric}`, metric, value, ...when, ...who };
}

type Agent = Pick<PlatformEvent, "agent" | "agentField" | "agentName">;

function taskRouterEvents(form: Form): PlatformEvent[] {
  const type = form.EventType;
  const missed = type === "reservation.timeout" || type === "reservation.rejected";
  if (type !== "reservation.completed" && !missed) return [];
  const r = parseWith(Reservation, form, "form");
  const occurredAt: When | undefined =
    r.TimestampMs !== undefined
      ? { occurredAt: r.TimestampMs, occurredAtField: "form/TimestampMs" }
      : r.Timestamp !== undefined
        ? { occurredAt: r.Timestamp * 1000, occurredAtField: "form/Timestamp" }
        : undefined;
  if (occurredAt === undefined) throw refuse("form/TimestampMs", "required (or Timestamp)");
  const who: Agent = { agent: r.WorkerSid, agentField: "form/WorkerSid", ...(r.WorkerName ? { agentName: r.WorkerName } : {}) };
  if (missed) return [event(r.ReservationSid, "missed_contacts", 1, who, occurredAt)];

  const events = [event(r.ReservationSid, "contacts_handled", 1, who, occurredAt)];
  const { talk_time: talk, hold_time: hold, wrap_up_time: wrap } = insights(r.TaskAttributes).conversations ?? {};
  if (talk !== undefined || wrap !== undefined) events.push(event(r.ReservationSid, "handle_time_s", (talk ?? 0) + (wrap ?? 0), who, occurredAt));
  if (talk !== undefined) events.push(event(r.ReservationSid, "talk_time_s", talk, who, occurredAt));
  if (hold !== undefined) events.push(event(r.ReservationSid, "hold_time_s", hold, who, occurredAt));
  if (wrap !== undefined) events.push(event(r.ReservationSid, "acw_time_s", wrap, who, occurredAt));
  return events;
}

function insights(attributes: string | undefined): z.infer<typeof InsightsAttributes> {
  if (attributes === undefined || attributes.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(attributes);
  } catch {
    throw refuse("form/TaskAttributes", "not JSON");
  }
  return parseWith(InsightsAttributes, value, "form/TaskAttributes");
}

function voiceEvents(form: Form, signedUrl: string, agentParam: string, now: number): PlatformEvent[] {
  const leg = parseWith(CallLeg, form, "form");
  const missed = leg.CallStatus === "no-answer" || leg.CallStatus === "busy";
  if (leg.CallStatus !== "completed" && !missed) return [];
  const who = voiceAgent(form, signedUrl, agentParam);
  if (!who) return [];
  // A call the agent placed that nobody answered is not a call the agent missed.
  if (missed && who.agentField === "form/From") return [];
  const at = leg.Timestamp === undefined ? now : Date.parse(leg.Timestamp);
  if (!Number.isFinite(at)) throw refuse("form/Timestamp", "not an RFC 2822 date");
  const occurredAt: When = { occurredAt: at, occurredAtField: "form/Timestamp" };
  if (missed) return [event(leg.CallSid, "missed_contacts", 1, who, occurredAt)];
  if (leg.CallDuration === undefined) throw refuse("form/CallDuration", "required for a completed call");
  return [event(leg.CallSid, "contacts_handled", 1, who, occurredAt), event(leg.CallSid, "talk_time_s", leg.CallDuration, who, occurredAt)];
}

/**
 * The agent of a call leg: the configured parameter (body, then the signed URL's query: never a
 * query Twilio did not sign), else a Client identity.
 */
function voiceAgent(form: Form, signedUrl: string, param: string): Agent | undefined {
  const candidates: [string, string | null | undefined][] = [
    [`form/${param}`, form[param]],
    [`query/${param}`, new URLSearchParams(searchOf(signedUrl)).get(param)],
    ["form/To", form.To?.startsWith("client:") ? form.To.slice(7) : undefined],
    ["form/From", form.From?.startsWith("client:") ? form.From.slice(7) : undefined],
  ];
  for (const [agentField, raw] of candidates) {
    const agent = raw?.trim();
    if (!agent) continue;
    if (agent.length > 128) throw refuse(agentField, "an agent id of at most 128 characters");
    return { agent, agentField };
  }
  return undefined;
}

export const twilio: Adapter<TwilioOptions> = {
  platform: "twilio",
  options,
  secretIssuedBy: "platform",
  ack: 204,

  async verify(delivery, { secrets, options }) {
    requireForm(delivery);
    const given = delivery.headers[SIGNATURE];
    if (!given) {
      throw new ProblemError(401, "Unauthorized", "The delivery has no X-Twilio-Signature.", [{ path: `header/${SIGNATURE}`, message: "missing" }]);
    }
    const params = signedParams(delivery.body);
    const sign = (url: string) => (secret: string) => hmac("SHA-1", secret, url + params).then(toBase64);
    const matches = await Promise.all(urlsToSign(delivery.url, options.signatureUrl).map((url) => signatureMatches(given, secrets, sign(url))));
    if (!matches.includes(true)) {
      throw new ProblemError(401, "Unauthorized", "X-Twilio-Signature does not match the auth token, URL and parameters.", [
        { path: `header/${SIGNATURE}`, message: "does not match" },
      ]);
    }
  },

  toEvents(delivery, { options, now }) {
    const form = formOf(delivery.body);
    if (form.EventType !== undefined) return taskRouterEvents(form);
    if (form.CallStatus !== undefined) return voiceEvents(form, signedUrl(delivery.url, options.signatureUrl), options.agentParam, now);
    throw refuse("form/EventType", "neither a TaskRouter event (EventType) nor a Voice status callback (CallStatus)");
  },
};
