// Secrets are not in wrangler.jsonc, so `wrangler types` cannot see them.
declare namespace Cloudflare {
  interface Env {
    /** Guards `POST /v1/orgs`, which creates an org and its first admin key. Unset disables it. */
    BOOTSTRAP_SECRET?: string;
    /** Signs and verifies viewer tokens (HS256). At least 32 characters. Unset disables viewer tokens. */
    VIEWER_TOKEN_SECRET?: string;
    /** Encrypts webhook sources' secrets in D1. At least 32 characters. Unset disables webhook sources. */
    SOURCE_SECRETS_KEY?: string;
  }
}
