/**
 * A generic signed JSON webhook, for CRMs and anything else that can compute an HMAC:
 *
 *   Floorboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * Several `v1=` entries may be given (a sender rotating its secret signs with both); one must match.
 * A `t` more than 5 minutes from now, either way, is refused as a replay. The body:
 *
 *   { "events": [ { "id": "deal-981", "agent": "<the agent's id in the sender>", "metric": "sales",
 *                   "value": 1, "occurredAt": "2026-11-23T14:02:11+01:00" } ] }
 *
 * Up to 1,000 events (none: a signed test delivery, acknowledged); `metric` is a standard metric (a source's `metrics` maps it onto the org's own
 * keys), `part` (numerator | denominator) only for `resolved_first_contact`. Unknown fields are
 * refused, so a typo never silently counts nothing. `id` is the sender's own id for the fact (a
 * call, a deal) and may be shared by its metrics: a retry with the same id and metric is counted once.
 */
import { z } from "zod";
import { MAX_CLOCK_SKEW_MS, StandardMetric } from "../../protocol/index.ts";
import { parseWith, ProblemError } from "../problem.ts";
import { parseJsonBody, requireJson } from "./body.ts";
import { hmac, signatureMatches, toHex } from "./crypto.ts";
import type { Adapter } from "./types.ts";

const options = z.strictObject({});
export type GenericOptions = z.infer<typeof options>;

const SIGNATURE = "floorboard-signature";
const WINDOW_MS = MAX_CLOCK_SKEW_MS;
const MAX_EVENTS = 1000;

const GenericEvent = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.:@/-]{1,60}$/, "must be 1-60 letters, digits or _.:@/-"),
    agent: z.string().trim().min(1).max(200),
    metric: StandardMetric,
    value: z.number().finite().min(-1e12).max(1e12),
    part: z.enum(["numerator", "denominator"]).optional(),
    occurredAt: z.iso.datetime({ offset: true }),
  })
  .refine((e) => e.part === undefined || e.metric === "resolved_first_contact", { path: ["part"], message: "only for resolved_first_contact" });
const Body = z.strictObject({ events: z.array(GenericEvent).max(MAX_EVENTS) });

function unauthorized(message: string): ProblemError {
  return new ProblemError(401, "Unauthorized", `${SIGNATURE}: ${message}.`, [{ path: `header/${SIGNATURE}`, message }]);
}

/** `t=…,v1=…,v1=…` -> the timestamp and the signatures (other schemes' entries are ignored). */
function parseSignature(header: string): { t: string; v1: string[] } | null {
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value) t = value;
    if (key === "v1" && value) v1.push(value.toLowerCase());
  }
  return t !== undefined && /^\d{1,12}$/.test(t) && v1.length > 0 ? { t, v1 } : null;
}

export const generic: Adapter<GenericOptions> = {
  platform: "generic",
  options,
  secretIssuedBy: "floorboard",
  ack: 200,

  async verify(delivery, { secrets, now }) {
    requireJson(delivery, "A generic source");
    const header = delivery.headers[SIGNATURE];
    if (!header) throw unauthorized("missing");
    const parsed = parseSignature(header);
    if (!parsed) throw unauthorized("expected t=<unix seconds>,v1=<hex HMAC-SHA256>");
    if (Math.abs(now - Number(parsed.t) * 1000) > WINDOW_MS) throw unauthorized("timestamp more than 5 minutes from now");
    const expected = await Promise.all(secrets.map((secret) => hmac("SHA-256", secret, `${parsed.t}.${delivery.body}`).then(toHex)));
    let matched = false;
    for (const given of parsed.v1) matched = (await signatureMatches(given, expected, async (s) => s)) || matched;
    if (!matched) throw unauthorized("does not match");
  },

  toEvents(delivery) {
    return parseWith(Body, parseJsonBody(delivery)).events.map((e, i) => ({
      id: `${e.id}:${e.metric}${e.part ? `:${e.part}` : ""}`,
      agent: e.agent,
      agentField: `/events/${i}/agent`,
      metric: e.metric,
      value: e.value,
      ...(e.part ? { part: e.part } : {}),
      occurredAt: Date.parse(e.occurredAt),
      occurredAtField: `/events/${i}/occurredAt`,
    }));
  },
};
