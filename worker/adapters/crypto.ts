/** Signature primitives the adapters share: HMAC over text, base64/hex, constant-time comparison. */

const encoder = new TextEncoder();

export type HmacHash = "SHA-1" | "SHA-256";

export async function hmac(hash: HmacHash, secret: string, message: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Whether two strings are equal, in time that depends only on their lengths (the Workers runtime's
 * `crypto.subtle.timingSafeEqual` over their UTF-8 bytes). Unequal lengths compare the expected
 * value with itself, so that the time taken does not depend on where the inputs differ.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  if (a.byteLength !== b.byteLength) {
    crypto.subtle.timingSafeEqual(b, b);
    return false;
  }
  return crypto.subtle.timingSafeEqual(a, b);
}

/** Whether `given` equals any of `expected`, each compared in constant time (no early exit). */
export function equalsAny(given: string, expected: readonly string[]): boolean {
  let found = false;
  for (const candidate of expected) found = constantTimeEqual(given, candidate) || found;
  return found;
}

/** HMAC each secret and compare with the given signature in constant time; true if any matches. */
export async function signatureMatches(
  given: string,
  secrets: readonly string[],
  sign: (secret: string) => Promise<string>,
): Promise<boolean> {
  const expected = await Promise.all(secrets.map(sign));
  return equalsAny(given, expected);
}
