import { DurableObject } from "cloudflare:workers";

// Placeholder entry while the skeleton is being built.
export class TeamBoard extends DurableObject<Env> {}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/v1/health") return Response.json({ ok: true });
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
