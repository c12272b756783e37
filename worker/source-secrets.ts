/**
 * Webhook sources' secrets at rest: AES-256-GCM under a key derived (HKDF-SHA-256) from the
 * SOURCE_SECRETS_KEY secret, with the org and source ids as associated data, so a sealed secret
 * copied onto another source does not open. A copy of the database alone forges no webhook.
 */
import { ProblemError } from "./problem.ts";

const MIN_KEY_LENGTH = 32;
const VERSION = "v1";
const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(env: Env): Promise<CryptoKey> {
  const material = env.SOURCE_SECRETS_KEY;
  if (!material || material.length < MIN_KEY_LENGTH) {
    throw new ProblemError(503, "Webhook sources are not configured", `Set the SOURCE_SECRETS_KEY secret (at least ${MIN_KEY_LENGTH} characters).`);
  }
  let key = keys.get(material);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", encoder.encode(material), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: encoder.encode("floorboard webhook source secrets") },
          base,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    keys.set(material, key);
  }
  return key;
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const aad = (orgId: string, sourceId: string) => encoder.encode(`${orgId}/${sourceId}`);

export async function sealSecret(env: Env, orgId: string, sourceId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(orgId, sourceId) }, await keyFor(env), encoder.encode(secret));
  return `${VERSION}.${b64(iv)}.${b64(new Uint8Array(sealed))}`;
}

/** The secret, or null if it does not open (SOURCE_SECRETS_KEY changed, or the row was tampered with). */
export async function openSecret(env: Env, orgId: string, sourceId: string, sealed: string): Promise<string | null> {
  const [version, iv, data] = sealed.split(".");
  if (version !== VERSION || !iv || !data) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(iv), additionalData: aad(orgId, sourceId) }, await keyFor(env), unb64(data));
    return new TextDecoder().decode(plain);
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    return null;
  }
}

/** A secret for schemes where Floorboard issues it: 256 random bits, base64url. */
export function generateSecret(): string {
  return b64(crypto.getRandomValues(new Uint8Array(32))).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
