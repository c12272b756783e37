import { describe, expect, it } from "vitest";
import { createTeam, event, ingest, snapshot } from "./helpers.ts";

describe("smoke", () => {
  it("an event in shows on the board", async () => {
    const t = await createTeam(3);
    const r = await ingest(t.ingestKey, [event("a1", "contacts_handled", 1), event("a2", "contacts_handled", 1), event("a2", "contacts_handled", 1)]);
    expect(r).toEqual({ accepted: 3, duplicates: 0 });
    const s = await snapshot(t.readKey, t.boards.contacts);
    expect(s.snapshot.rows.map((r) => [r.agent.id, r.rank, r.score])).toEqual([["a2", 1, 2], ["a1", 2, 1]]);
  });
});
