/**
 * Talkdesk's HTTP Notifier: automations that post a JSON payload an admin composes from Talkdesk's
 * call variables when a trigger fires. Floorboard defines that payload (the setup guide gives the
 * template for each trigger) and a custom header carries the shared secret (`secretHeader`, default
 * `x-floorboard-secret`; `Authorization: Bearer <secret>` works too).
 *
 *   { "event": "call_finished", "call_id": "…", "agent_id": "…", "agent_name": "…",
 *     "talk_time": 251, "hold_time": 20, "wrap_up_time": 41, "ended_at": "2026-11-23T14:02:11Z" }
 *
 * - `call_finished` (triggers "An inbound call ends", "An outbound call ends"): contacts_handled 1,
 *   talk_time_s, hold_time_s and acw_time_s when given, handle_time_s = their sum.
 * - `call_missed` ("A call is missed"): missed_contacts 1 for the agent it rang.
 * - `csat_received` ("CSAT score received"): csat = `csat_score`.
 * - anything else (abandoned calls, status changes, …): nothing countable.
 * Durations are seconds (numbers or numeric strings, as templates render them). Ids:
 * `<call_id>:<metric>`.
 */
import { z } from "zod";
import { parseWith } from "../problem.ts";
import { requireKey } from "./api-key.ts";
import { HeaderName, IsoTime, parseJsonBody, requireJson, Seconds } from "./body.ts";
import type { Adapter, PlatformEvent } from "./types.ts";

const options = z.strictObject({ secretHeader: HeaderName.default("x-floorboard-secret") });
export type TalkdeskOptions = z.infer<typeof options>;

const Envelope = z.looseObject({ event: z.string() });
const Id = z.union([z.number().int().nonnegative(), z.string().trim().regex(/^[A-Za-z0-9_.:@-]{1,64}$/, "must be an id of at most 64 characters")]).transform(String);
const Call = z.looseObject({
  call_id: Id,
  agent_id: Id,
  agent_name: z.string().max(200).nullish(),
  ended_at: IsoTime,
});
const Finished = Call.extend({ talk_time: Seconds, hold_time: Seconds.nullish(), wrap_up_time: Seconds.nullish() });
const Csat = Call.extend({ csat_score: z.union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?$/).transform(Number)]).pipe(z.number().min(0).max(10)) });

export const talkdesk: Adapter<TalkdeskOptions> = {
  platform: "talkdesk",
  options,
  secretIssuedBy: "floorboard",
  ack: 200,

  async verify(delivery, { secrets, options }) {
    requireJson(delivery, "Talkdesk's HTTP Notifier");
    requireKey(delivery, secrets, options.secretHeader, { bearer: true });
  },

  toEvents(delivery) {
    const body = parseJsonBody(delivery);
    const kind = parseWith(Envelope, body).event;
    if (kind !== "call_finished" && kind !== "call_missed" && kind !== "csat_received") return [];
    const call = parseWith(Call, body);
    const at = Date.parse(call.ended_at);
    const event = (metric: PlatformEvent["metric"], value: number): PlatformEvent => ({
      id: `${call.call_id}:${metric}`,
      agent: call.agent_id,
      agentField: "/agent_id",
      ...(call.agent_name ? { agentName: call.agent_name } : {}),
      metric,
      value,
      occurredAt: at,
      occurredAtField: "/ended_at",
    });
    if (kind === "call_missed") return [event("missed_contacts", 1)];
    if (kind === "csat_received") return [event("csat", parseWith(Csat, body).csat_score)];
    const finished = parseWith(Finished, body);
    const events = [event("contacts_handled", 1), event("talk_time_s", finished.talk_time)];
    if (finished.hold_time != null) events.push(event("hold_time_s", finished.hold_time));
    if (finished.wrap_up_time != null) events.push(event("acw_time_s", finished.wrap_up_time));
    events.push(event("handle_time_s", finished.talk_time + (finished.hold_time ?? 0) + (finished.wrap_up_time ?? 0)));
    return events;
  },
};
