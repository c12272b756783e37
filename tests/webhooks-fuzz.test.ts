/**
 * Fuzzing every webhook route and `POST /v1/events`: random and malformed bodies, headers and query
 * strings, unauthenticated and authenticated alike, are answered with a 4xx problem (never a 5xx),
 * and no standing ever changes.
 */
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Platform } from "../protocol/index.ts";
import { BASE, createKey } from "./helpers.ts";
import { samples } from "./platforms/index.ts";
import { allStandings, createSource, type WebhookOrg, webhookOrg } from "./webhook-helpers.ts";

const AGENT = "700301";
let org: WebhookOrg;
let ingestKey: string;
const targets: { platform: Platform | "events"; url: string; secret: string; signatureHeader?: string }[] = [];

beforeAll(async () => {
  org = await webhookOrg({ a1: Object.fromEntries(samples.map((s) => [s.platform, AGENT])) });
  ingestKey = await createKey(org.adminKey, ["ingest"]);
  for (const sample of samples) {
    const source = await createSource(org.adminKey, { name: sample.platform, platform: sample.platform, secret: sample.secret, options: sample.options ?? {} });
    targets.push({ platform: sample.platform, url: source.url, secret: sample.secret, signatureHeader: sample.signatureHeader });
  }
  targets.push({ platform: "events", url: `${BASE}/v1/events`, secret: "" });
});

const contentTypes = fc.constantFrom(
  undefined,
  "application/json",
  "application/json; charset=utf-8",
  "application/x-www-form-urlencoded",
  "text/plain",
  "multipart/form-data; boundary=x",
  "application/xml",
  "",
  "application/jsonp",
);
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const headerValue = fc.string({ maxLength: 80 }).map((v) => v.replace(/[^\x20-\x7e]/g, ""));
const knownHeaders = fc.constantFrom(
  "x-twilio-signature",
  "x-zendesk-webhook-signature",
  "x-zendesk-webhook-signature-timestamp",
  "floorboard-signature",
  "x-api-key",
  "authorization",
  "x-talkdesk-secret",
  "content-length",
);
const headers = fc.tuple(contentTypes, fc.dictionary(fc.oneof(headerName, knownHeaders), headerValue, { maxKeys: 5 })).map(([type, extra]) => {
  const out: Record<string, string> = { ...extra };
  delete out["content-length"];
  if (type !== undefined) out["content-type"] = type;
  return out;
});
const query = fc.oneof(fc.constant(""), fc.string({ maxLength: 40 }).map((q) => `?${encodeURIComponent(q)}`), fc.webQueryParameters().map((q) => `?${q}`));
const anyJson = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
/** Shapes near the platforms' own: right keys, wrong values. */
const nearMiss = fc
  .record(
    {
      events: fc.array(fc.dictionary(fc.constantFrom("id", "agent", "metric", "value", "occurredAt", "kind", "part", "ref"), fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }),
      event: fc.constantFrom("call.ended", "zen:event-type:ticket.status_changed", "task.completed"),
      type: fc.constantFrom("zen:event-type:ticket.status_changed", "zen:event-type:agent.state_changed"),
      data: fc.jsonValue({ maxDepth: 2 }),
      detail: fc.jsonValue({ maxDepth: 3 }),
      "detail-type": fc.constantFrom("Amazon Connect Contact Event", "v2.detail.events.conversation.x.acw"),
      timestamp: fc.oneof(fc.integer(), fc.string(), fc.double()),
      token: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: [] },
  )
  .map((v) => JSON.stringify(v));
const formish = fc.dictionary(fc.constantFrom("EventType", "WorkerSid", "TaskSid", "TaskAge", "TimestampMs", "CallSid", "CallStatus", "CallDuration", "x"), fc.string({ maxLength: 12 })).map((d) => new URLSearchParams(d).toString());
const body = fc.oneof(fc.string({ maxLength: 300 }), anyJson, nearMiss, formish, fc.uint8Array({ maxLength: 200 }).map((b) => String.fromCharCode(...b)), fc.constant(""));

async function send(url: string, requestHeaders: Record<string, string>, requestBody: string): Promise<Response> {
  return SELF.fetch(url, { method: "POST", headers: requestHeaders, body: requestBody });
}

async function expectClientError(response: Response, context: string) {
  const text = await response.text();
  expect(response.status, `${context} -> ${response.status} ${text}`).toBeGreaterThanOrEqual(400);
  expect(response.status, `${context} -> ${response.status} ${text}`).toBeLessThan(500);
  expect(response.headers.get("content-type"), context).toBe("application/problem+json");
}

const hmacBase64 = async (hash: "SHA-1" | "SHA-256", secret: string, message: string) => {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return sig;
};
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

/** The credentials each platform would send with this body: a correct signature, key or token. */
async function authenticated(target: (typeof targets)[number], url: string, requestBody: string, requestHeaders: Record<string, string>): Promise<{ headers: Record<string, string>; body: string }> {
  const h = { ...requestHeaders };
  switch (target.platform) {
    case "events":
      return { headers: { ...h, authorization: `Bearer ${ingestKey}` }, body: requestBody };
    case "twilio": {
      const params = [...new URLSearchParams(requestBody)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return { headers: { ...h, "x-twilio-signature": b64(await hmacBase64("SHA-1", target.secret, url + params.map(([k, v]) => k + v).join(""))) }, body: requestBody };
    }
    case "zendesk": {
      const ts = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const sig = b64(await hmacBase64("SHA-256", target.secret, ts + requestBody));
      return { headers: { ...h, "x-zendesk-webhook-signature": sig, "x-zendesk-webhook-signature-timestamp": ts }, body: requestBody };
    }
    case "generic": {
      const t = Math.floor(Date.now() / 1000);
      return { headers: { ...h, "floorboard-signature": `t=${t},v1=${hex(await hmacBase64("SHA-256", target.secret, `${t}.${requestBody}`))}` }, body: requestBody };
    }
    case "aircall": {
      // The token travels in the body: put it into whatever JSON object the fuzzer made.
      try {
        const parsed: unknown = JSON.parse(requestBody);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return { headers: h, body: JSON.stringify({ ...parsed, token: target.secret }) };
      } catch {}
      return { headers: h, body: requestBody };
    }
    default:
      return { headers: { ...h, [target.signatureHeader!]: target.secret }, body: requestBody };
  }
}

describe("webhook and ingest fuzzing", () => {
  it("random requests without credentials get a 4xx problem and change nothing", async () => {
    const before = await allStandings(org.readKey);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: targets.length - 1 }), body, headers, query, async (t, requestBody, requestHeaders, q) => {
        const target = targets[t]!;
        await expectClientError(await send(target.url + q, requestHeaders, requestBody), `${target.platform} ${JSON.stringify(requestHeaders)} ${q} ${requestBody.slice(0, 200)}`);
      }),
      { numRuns: 200 },
    );
    expect(await allStandings(org.readKey)).toEqual(before);
  }, 120_000);

  it("random and malformed bodies with valid credentials get a 4xx problem or an acknowledgement that counts nothing, never a 5xx", async () => {
    const before = await allStandings(org.readKey);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: targets.length - 1 }), body, headers, query, async (t, requestBody, requestHeaders, q) => {
        const target = targets[t]!;
        const url = target.url + q;
        const signed = await authenticated(target, url, requestBody, requestHeaders);
        const response = await send(url, signed.headers, signed.body);
        const context = `${target.platform} ${JSON.stringify(signed.headers)} ${q} ${signed.body.slice(0, 300)}`;
        if (response.status < 300) {
          // Acknowledged: only ever as "nothing countable" (no agent of the org and no real contact is in a random body).
          const text = await response.text();
          if (text) expect(JSON.parse(text), context).toMatchObject({ accepted: 0 });
          return;
        }
        await expectClientError(response, context);
      }),
      { numRuns: 200 },
    );
    expect(await allStandings(org.readKey)).toEqual(before);
  }, 120_000);
});
