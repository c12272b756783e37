// Secrets are not in wrangler.jsonc, so `wrangler types` cannot see them.
declare namespace Cloudflare {
  interface Env {
    /** Guards `POST /v1/orgs`, which creates an org and its first admin key. Unset disables it. */
    BOOTSTRAP_SECRET?: string;
  }
}
