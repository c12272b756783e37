// A lean HTTP/1.1 client for POST /v1/events: node:http with keep-alive, no fetch/undici
// machinery, so the load generator spends as little CPU per request as possible.
import http from "node:http";

export interface PostResult {
  status: number;
  body: string;
}

export class EventPoster {
  readonly #agent: http.Agent;
  readonly #host: string;
  readonly #port: number;
  readonly #auths: string[];
  #next = 0;

  /**
   * `ingestKeys`: one key, or several used in turn. Each key has its own rate limit (1,000 requests
   * per 10 s), so a load above 100 requests/s is spread over several keys, as several integrations would.
   */
  constructor(baseUrl: string, ingestKeys: string | readonly string[], maxSockets: number) {
    const url = new URL(baseUrl);
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error(`bench traffic stays on 127.0.0.1, not ${url.hostname}`);
    this.#host = url.hostname;
    this.#port = Number(url.port);
    this.#auths = (typeof ingestKeys === "string" ? [ingestKeys] : [...ingestKeys]).map((k) => `Bearer ${k}`);
    this.#agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /**
   * POSTs once; if a kept-alive socket turned out to be closed by the server meanwhile (the usual
   * keep-alive race: ECONNRESET / "socket hang up" on a reused socket), retries once on a fresh one.
   * Retrying is safe: event ids make ingest idempotent.
   */
  async post(body: string, timeoutMs = 30_000): Promise<PostResult> {
    try {
      return await this.#postOnce(body, timeoutMs);
    } catch (error) {
      if ((error as { reusedSocket?: boolean }).reusedSocket) return this.#postOnce(body, timeoutMs);
      throw error;
    }
  }

  #postOnce(body: string, timeoutMs: number): Promise<PostResult> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.#host,
          port: this.#port,
          method: "POST",
          path: "/v1/events",
          agent: this.#agent,
          headers: { authorization: this.#auths[this.#next++ % this.#auths.length]!, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
      req.on("error", (error: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && (error.code === "ECONNRESET" || error.message === "socket hang up");
        reject(Object.assign(error, { reusedSocket: stale }));
      });
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** `{"events":[…]}` built by hand: the same JSON that JSON.stringify would give, cheaper. */
export function eventsBody(events: { id: string; agent: string; metric: string; value: number; occurredAt: string }[]): string {
  let out = '{"events":[';
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (i > 0) out += ",";
    out += `{"id":"${e.id}","agent":"${e.agent}","metric":"${e.metric}","value":${e.value},"occurredAt":"${e.occurredAt}"}`;
  }
  return out + "]}";
}
