import { app } from "./app.ts";

export { TeamBoard } from "../durable-objects/team-board.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
