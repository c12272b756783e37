import { app } from "./app.ts";

export { RollupBoard } from "../durable-objects/rollup-board.ts";
export { TeamBoard } from "../durable-objects/team-board.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
