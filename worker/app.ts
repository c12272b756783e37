import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./auth.ts";
import { problemResponse, ProblemError } from "./problem.ts";
import { boardRoutes } from "./routes/boards.ts";
import { directory } from "./routes/directory.ts";
import { events } from "./routes/events.ts";
import { history } from "./routes/history.ts";
import { metricRoutes } from "./routes/metrics.ts";
import { org } from "./routes/org.ts";
import { recognition } from "./routes/recognition.ts";
import { rewards } from "./routes/rewards.ts";
import { sources } from "./routes/sources.ts";
import { tokens } from "./routes/tokens.ts";
import { visibility } from "./routes/visibility.ts";
import { webhooks } from "./routes/webhooks.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

export const app = new Hono<AppEnv>();

app.use(
  "/v1/*",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ProblemError(413, "Payload too large", `Bodies are limited to ${MAX_BODY_BYTES} bytes.`, [
        { path: "", message: `larger than ${MAX_BODY_BYTES} bytes` },
      ]);
    },
  }),
);

app.get("/v1/health", (c) => c.json({ ok: true }));
app.route("/v1", org);
app.route("/v1", tokens);
app.route("/v1", visibility);
app.route("/v1", events);
app.route("/v1", boardRoutes);
app.route("/v1", history);
app.route("/v1", rewards);
app.route("/v1", recognition);
app.route("/v1", directory);
app.route("/v1", metricRoutes);
app.route("/v1", sources);
app.route("/v1", webhooks);

app.notFound(() => problemResponse(new ProblemError(404, "Not found", "No such route.")));

app.onError((error) => {
  if (error instanceof ProblemError) return problemResponse(error);
  if (error instanceof HTTPException && error.status < 500) {
    return problemResponse(new ProblemError(error.status, error.message || "Bad request"));
  }
  // Infrastructure failed (a Durable Object or D1 was unreachable). Nothing was acknowledged,
  // and every write is idempotent, so the caller can retry the same request.
  console.error("request failed", error);
  const response = problemResponse(
    new ProblemError(503, "Temporarily unavailable", "Nothing was acknowledged; retry the same request."),
  );
  response.headers.set("retry-after", "1");
  return response;
});
