/** The generic signed JSON adapter, on its own: the signature scheme, the replay window, the body's shape. */
import { describe, expect, it } from "vitest";
import { generic } from "../../worker/adapters/generic.ts";
import { hmac, toHex } from "../../worker/adapters/crypto.ts";
import type { WebhookDelivery } from "../../worker/adapters/types.ts";
import { genericSample, signGeneric } from "../platforms/generic.ts";
import { checkSample, refusal } from "./support.ts";

const SECRET = "generic-adapter-secret-abcdefghijklmnop";
const NOW = Date.parse("2026-11-23T12:00:00Z");
const context = (secrets = [SECRET], now = NOW) => ({ secrets, options: {}, now });
const url = "https://floorboard.example/v1/webhooks/src_AAAAAAAAAAAAAAAA";
const event = { id: "deal-1", agent: "crm-user-7", metric: "sales", value: 250, occurredAt: "2026-11-23T11:59:00Z" };

async function delivery(body: unknown, signedAt = NOW, secret = SECRET): Promise<WebhookDelivery> {
  return { url, ...(await signGeneric(secret, typeof body === "string" ? body : JSON.stringify(body), signedAt)) };
}

describe("generic signed JSON webhooks", () => {
  it("verifies a signature computed independently of the adapter, and maps each event", async () => {
    const body = JSON.stringify({ events: [event] });
    const t = Math.floor(NOW / 1000);
    // The scheme as a sender's documentation states it: hex HMAC-SHA256 over "<t>.<body>".
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const v1 = [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${body}`)))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const d: WebhookDelivery = { url, headers: { "content-type": "application/json; charset=utf-8", "floorboard-signature": `t=${t},v1=${v1}` }, body };
    await generic.verify(d, context());
    expect(generic.toEvents(d, context())).toEqual([
      { id: "deal-1:sales", agent: "crm-user-7", agentField: "/events/0/agent", metric: "sales", value: 250, occurredAt: Date.parse(event.occurredAt), occurredAtField: "/events/0/occurredAt" },
    ]);
  });

  it("accepts any of several v1 signatures, and any of the source's secrets (rotation on either side)", async () => {
    const body = JSON.stringify({ events: [event] });
    const t = Math.floor(NOW / 1000);
    const sig = (secret: string) => hmac("SHA-256", secret, `${t}.${body}`).then(toHex);
    const headers = { "content-type": "application/json", "floorboard-signature": `t=${t},v1=${await sig("old-secret-0123456789")},v1=${await sig(SECRET)}` };
    await generic.verify({ url, headers, body }, context());
    await generic.verify(await delivery(body, NOW, "previous-secret-0123456789"), context([SECRET, "previous-secret-0123456789"]));
    expect((await refusal(async () => generic.verify(await delivery(body, NOW, "previous-secret-0123456789"), context()))).status).toBe(401);
  });

  it("refuses a tampered body, a tampered or malformed signature, and a timestamp outside 5 minutes either way", async () => {
    const good = await delivery({ events: [event] });
    const header = "header/floorboard-signature";
    expect(await refusal(() => generic.verify({ ...good, body: good.body.replace("250", "950") }, context()))).toEqual({ status: 401, paths: [header] });
    const sig = good.headers["floorboard-signature"]!;
    expect(await refusal(() => generic.verify({ ...good, headers: { ...good.headers, "floorboard-signature": sig.replace(/.$/, (c) => (c === "0" ? "1" : "0")) } }, context()))).toEqual({ status: 401, paths: [header] });
    for (const bad of ["", "v1=abc", "t=abc,v1=00", "t=1,v2=00", "garbage"]) {
      expect(await refusal(() => generic.verify({ ...good, headers: { ...good.headers, "floorboard-signature": bad } }, context())), bad).toEqual({ status: 401, paths: [header] });
    }
    expect((await refusal(async () => generic.verify(await delivery({ events: [event] }, NOW - 301_000), context()))).status).toBe(401);
    expect((await refusal(async () => generic.verify(await delivery({ events: [event] }, NOW + 301_000), context()))).status).toBe(401);
    await generic.verify(await delivery({ events: [event] }, NOW - 299_000), context());
  });

  it("refuses a wrong content type with 415", async () => {
    const good = await delivery({ events: [event] });
    expect(await refusal(() => generic.verify({ ...good, headers: { ...good.headers, "content-type": "text/plain" } }, context()))).toEqual({ status: 415, paths: ["header/content-type"] });
  });

  it("refuses malformed bodies with 422 naming the field, and non-JSON with 400", async () => {
    const cases: [unknown, string][] = [
      [{ events: [{ ...event, value: "250" }] }, "/events/0/value"],
      [{ events: [{ ...event, metric: "revenue" }] }, "/events/0/metric"],
      [{ events: [{ ...event, occurredAt: "yesterday" }] }, "/events/0/occurredAt"],
      [{ events: [{ ...event, id: "" }] }, "/events/0/id"],
      [{ events: [{ ...event, surprise: 1 }] }, "/events/0"],
      [{ events: [{ ...event, part: "numerator" }] }, "/events/0/part"],
      [{ events: [event], extra: true }, ""],
      [{ event }, ""],
      [[event], ""],
      [{ events: Array.from({ length: 1001 }, (_, i) => ({ ...event, id: `d${i}` })) }, "/events"],
    ];
    for (const [body, path] of cases) {
      const d = await delivery(body);
      await generic.verify(d, context());
      const r = await refusal(() => generic.toEvents(d, context()));
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(r.paths, JSON.stringify(body).slice(0, 80)).toContain(path);
    }
    const notJson = await delivery("{events:");
    expect(await refusal(() => generic.toEvents(notJson, context()))).toEqual({ status: 400, paths: [""] });
  });

  it("a signed delivery with no events is a test ping: nothing to count", async () => {
    expect(generic.toEvents(await delivery({ events: [] }), context())).toEqual([]);
  });

  it("the end-to-end sample is what the adapter accepts", async () => {
    await checkSample(generic, genericSample, { url, secret: genericSample.secret, agent: "crm-9", deliveryId: "x1", now: Date.now() });
  });
});
