/**
 * A secret sent as-is in a header (an EventBridge API destination's API-key connection, a
 * notifier's custom header), compared in constant time with every secret of the source.
 */
import { ProblemError } from "../problem.ts";
import { requireJson } from "./body.ts";
import { equalsAny } from "./crypto.ts";
import type { AdapterContext, WebhookDelivery } from "./types.ts";

/** The key in `header` (or, with `bearer`, `Authorization: Bearer <key>`) must equal one of the secrets. */
export function requireKey(delivery: WebhookDelivery, secrets: readonly string[], header: string, options: { bearer?: boolean } = {}): void {
  const bearer = options.bearer ? delivery.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1] : undefined;
  const given = delivery.headers[header] ?? bearer;
  if (!given) throw new ProblemError(401, "Unauthorized", `The ${header} header is missing.`, [{ path: `header/${header}`, message: "missing" }]);
  if (!equalsAny(given, secrets)) throw new ProblemError(401, "Unauthorized", `The ${header} header does not match.`, [{ path: `header/${header}`, message: "does not match" }]);
}

/**
 * An EventBridge API destination's delivery (Amazon Connect's events, Genesys Cloud's EventBridge
 * integration): JSON, with the connection's API key in the source's `apiKeyHeader`.
 */
export async function verifyApiDestination(delivery: WebhookDelivery, { secrets, options }: AdapterContext<{ apiKeyHeader: string }>): Promise<void> {
  requireJson(delivery, "An EventBridge API destination");
  requireKey(delivery, secrets, options.apiKeyHeader);
}
