/** Reading deliveries: content types, JSON bodies and the value shapes platforms send, with problems that name the field. */
import { z } from "zod";
import { ProblemError } from "../problem.ts";
import type { WebhookDelivery } from "./types.ts";

/** A header name as an option: lower case, as header names reach the adapters. */
export const HeaderName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a header name in lower case: letters, digits and -");

/** Refuses (415) a delivery that is not `application/json` (a charset is fine). */
export function requireJson(delivery: WebhookDelivery, sender: string): void {
  const type = delivery.headers["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ProblemError(415, "Unsupported media type", `${sender} posts application/json.`, [
      { path: "header/content-type", message: `expected application/json, got ${type || "nothing"}` },
    ]);
  }
}

/** The parsed body; 400 when it is not JSON. */
export function parseJsonBody(delivery: WebhookDelivery): unknown {
  try {
    return JSON.parse(delivery.body);
  } catch {
    throw new ProblemError(400, "Malformed JSON", "The body is not valid JSON.", [{ path: "", message: "not valid JSON" }]);
  }
}

/** Whole seconds of a duration, as platforms write them (a number or a numeric string), at most a day. */
export const Seconds = z
  .union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?$/, "must be a number of seconds").transform(Number)])
  .pipe(z.number().finite().min(0).max(86_400, "more than a day"));
/** Milliseconds of a duration, at most a day. */
export const Millis = z.number().finite().min(0).max(86_400_000, "more than a day");
/** An ISO 8601 time with a zone offset or `Z`, as platforms' JSON writes times. */
export const IsoTime = z.iso.datetime({ offset: true });
