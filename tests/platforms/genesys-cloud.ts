/**
 * Genesys Cloud analytics detail events through the EventBridge integration (shaped like
 * tests/fixtures/platforms/genesys-cloud-eventbridge-acw.json), with the API destination's key.
 */
import { withKey } from "./amazon-connect.ts";
import type { DeliveryInput, PlatformSample } from "./types.ts";

/** An event on `topic` (`acw`, `user.end`, …) for `agent`'s conversation. */
export function detailEvent({ agent, deliveryId, now }: DeliveryInput, topic: string, eventBody: Record<string, unknown> = {}) {
  const conversationId = `7c2f6d4e-0000-4000-8000-${deliveryId.replace(/[^a-z0-9]/gi, "").padStart(12, "0").slice(-12)}`;
  return {
    version: "0",
    id: `ev-${topic}-${deliveryId}`,
    "detail-type": `v2.detail.events.conversation.{id}.${topic}`,
    source: "aws.partner/genesys.com/cloud/00000000-0000-0000-0000-000000000000/floorboard",
    account: "123456789012",
    time: new Date(now).toISOString(),
    region: "eu-west-1",
    resources: [],
    detail: {
      topicName: `v2.detail.events.conversation.${conversationId}.${topic}`,
      version: "2",
      eventBody: {
        eventTime: now - 1000,
        conversationId,
        participantId: "3e9b1c2d-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
        sessionId: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
        mediaType: "VOICE",
        direction: "INBOUND",
        userId: agent,
        queueId: "f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f",
        ...eventBody,
      },
      timestamp: new Date(now).toISOString(),
    },
  };
}

const RESOLVED = "4b3a2c1d-0e9f-4a8b-7c6d-5e4f3a2b1c0d";

export const genesysCloudSample: PlatformSample = {
  platform: "genesys_cloud",
  secret: "genesys-cloud-api-key-0123456789abcdef",
  options: { resolvedWrapupCodes: [RESOLVED] },
  countable: async (input) => withKey(input.secret, detailEvent(input, "acw", { wrapupCode: RESOLVED, wrapupDurationMs: 41_250 })),
  expected: { contacts_handled: 1, acw_time_s: 41, "resolved_first_contact:denominator": 1, "resolved_first_contact:numerator": 1 },
  uncountable: async (input) => withKey(input.secret, detailEvent(input, "user.start")),
  missingField: async (input) => ({ ...withKey(input.secret, detailEvent(input, "acw", { wrapupCode: RESOLVED })), path: "/detail/eventBody/wrapupDurationMs" }),
  signatureHeader: "x-api-key",
};
