/**
 * Amazon Connect contact events, delivered by an EventBridge rule to an API destination whose
 * connection sends an API key in a header (`apiKeyHeader`, default `x-api-key`). Connect signs
 * nothing itself; the key is the proof. Delivery is at least once, best effort and unordered.
 *
 * - `DISCONNECTED` with `agentInfo` (the contact reached an agent): contacts_handled 1, talk_time_s
 *   = disconnectTimestamp - agentInfo.connectedToAgentTimestamp (the agent's time on the contact,
 *   hold included), hold_time_s = agentInfo.customerHoldDuration (seconds) when present.
 * - `COMPLETED` with `agentInfo` (the contact fully ended, after-contact work included):
 *   acw_time_s = agentInfo.afterContactWorkDuration (seconds) when present, and handle_time_s =
 *   (afterContactWorkEndTimestamp, else disconnectTimestamp) - connectedToAgentTimestamp.
 * - everything else (INITIATED, QUEUED, CONNECTED_TO_AGENT, CONTACT_DATA_UPDATED, a contact that
 *   never reached an agent): nothing countable. Contact events say nothing of contacts an agent
 *   missed (that is an agent event), so missed_contacts is not reported.
 *
 * The agent is the agent's id in Connect: the last part of `agentInfo.agentArn` (…/agent/<id>).
 * Ids: `<contactId>:<metric>`, the same on every retry of the event.
 */
import { z } from "zod";
import { parseWith, ProblemError } from "../problem.ts";
import { verifyApiDestination } from "./api-key.ts";
import { HeaderName, IsoTime, parseJsonBody, Seconds } from "./body.ts";
import type { Adapter, PlatformEvent } from "./types.ts";

const options = z.strictObject({ apiKeyHeader: HeaderName.default("x-api-key") });
export type AmazonConnectOptions = z.infer<typeof options>;

const Envelope = z.looseObject({
  "detail-type": z.string(),
  detail: z.looseObject({ eventType: z.string().optional(), agentInfo: z.unknown().optional() }),
});
const AgentArn = z.string().regex(/\/agent\/[A-Za-z0-9-]{1,64}$/, "must be an agent ARN (…/agent/<id>)");
const Contact = z.looseObject({
  detail: z.looseObject({
    contactId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "must be a contact id"),
    disconnectTimestamp: IsoTime,
    agentInfo: z.looseObject({
      agentArn: AgentArn,
      connectedToAgentTimestamp: IsoTime,
      customerHoldDuration: Seconds.optional(),
      afterContactWorkDuration: Seconds.optional(),
      afterContactWorkEndTimestamp: IsoTime.optional(),
    }),
  }),
});
const DAY_MS = 86_400_000;

export const amazonConnect: Adapter<AmazonConnectOptions> = {
  platform: "amazon_connect",
  options,
  secretIssuedBy: "floorboard",
  ack: 200,

  verify: verifyApiDestination,

  toEvents(delivery) {
    const body = parseJsonBody(delivery);
    const envelope = parseWith(Envelope, body);
    if (envelope["detail-type"] !== "Amazon Connect Contact Event") return [];
    const type = envelope.detail.eventType;
    if ((type !== "DISCONNECTED" && type !== "COMPLETED") || envelope.detail.agentInfo === undefined) return [];
    const { detail } = parseWith(Contact, body);
    const agentInfo = detail.agentInfo;
    const connected = Date.parse(agentInfo.connectedToAgentTimestamp);
    const disconnected = Date.parse(detail.disconnectTimestamp);
    const agent = agentInfo.agentArn.slice(agentInfo.agentArn.lastIndexOf("/") + 1);
    const event = (metric: PlatformEvent["metric"], value: number, occurredAt: number, occurredAtField = "/detail/disconnectTimestamp"): PlatformEvent => ({
      id: `${detail.contactId}:${metric}`,
      agent,
      agentField: "/detail/agentInfo/agentArn",
      metric,
      value,
      occurredAt,
      occurredAtField,
    });
    const span = (from: number, to: number, path: string) => {
      const ms = to - from;
      if (ms < 0 || ms > DAY_MS) {
        throw new ProblemError(422, "Validation failed", `Invalid field(s): ${path}`, [{ path, message: "must be within a day after connectedToAgentTimestamp" }]);
      }
      return Math.round(ms / 1000);
    };
    if (type === "DISCONNECTED") {
      const events = [event("contacts_handled", 1, disconnected), event("talk_time_s", span(connected, disconnected, "/detail/disconnectTimestamp"), disconnected)];
      if (agentInfo.customerHoldDuration !== undefined) events.push(event("hold_time_s", agentInfo.customerHoldDuration, disconnected));
      return events;
    }
    const workEnded = agentInfo.afterContactWorkEndTimestamp === undefined ? disconnected : Date.parse(agentInfo.afterContactWorkEndTimestamp);
    const path = agentInfo.afterContactWorkEndTimestamp === undefined ? "/detail/disconnectTimestamp" : "/detail/agentInfo/afterContactWorkEndTimestamp";
    const events = [event("handle_time_s", span(connected, workEnded, path), workEnded, path)];
    if (agentInfo.afterContactWorkDuration !== undefined) events.push(event("acw_time_s", agentInfo.afterContactWorkDuration, workEnded, path));
    return events;
  },
};
