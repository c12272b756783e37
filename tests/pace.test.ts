/** A goal's standing at a moment of its period: reached, the pace's ask, behind pace (pure). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { goalStanding } from "../protocol/pace.ts";

const DAY = { start: Date.UTC(2030, 2, 12), end: Date.UTC(2030, 2, 13) };
const at = (share: number) => DAY.start + share * (DAY.end - DAY.start);

describe("a goal's standing", () => {
  it("asks a higher-is-better goal for the target's share of the period gone", () => {
    const goal = { ...DAY, direction: "higher" as const, target: 30 };
    expect(goalStanding(goal, 14, true, at(0.5))).toEqual({ reached: false, elapsed: 0.5, expected: 15, behindPace: true });
    expect(goalStanding(goal, 15, true, at(0.5))).toEqual({ reached: false, elapsed: 0.5, expected: 15, behindPace: false });
    expect(goalStanding(goal, null, false, at(0.25))).toMatchObject({ expected: 7.5, behindPace: true });
    expect(goalStanding(goal, 30, true, at(0.1))).toMatchObject({ reached: true, behindPace: false });
    // Before the period and after it, the share is clamped.
    expect(goalStanding(goal, 0, true, DAY.start - 60_000)).toMatchObject({ elapsed: 0, expected: 0, behindPace: false });
    expect(goalStanding(goal, 29, true, DAY.end + 60_000)).toMatchObject({ elapsed: 1, expected: 30, behindPace: true });
  });

  it("counts a lower-is-better score only once the agent qualifies, and is behind while above target", () => {
    const goal = { ...DAY, direction: "lower" as const, target: 300 };
    expect(goalStanding(goal, 280, false, at(0.5))).toEqual({ reached: false, elapsed: 0.5, expected: 300, behindPace: false });
    expect(goalStanding(goal, 280, true, at(0.5))).toMatchObject({ reached: true, behindPace: false });
    expect(goalStanding(goal, 330, true, at(0.5))).toMatchObject({ reached: false, behindPace: true });
    expect(goalStanding(goal, null, false, at(0.5))).toMatchObject({ reached: false, behindPace: false });
  });

  it("is never both reached and behind pace", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("higher" as const, "lower" as const),
        fc.integer({ min: 0, max: 1000 }),
        fc.option(fc.integer({ min: 0, max: 2000 })),
        fc.boolean(),
        fc.double({ min: -0.5, max: 1.5, noNaN: true }),
        (direction, target, score, qualified, share) => {
          const standing = goalStanding({ ...DAY, direction, target }, score, qualified, at(share));
          expect(standing.reached && standing.behindPace).toBe(false);
          expect(standing.elapsed).toBeGreaterThanOrEqual(0);
          expect(standing.elapsed).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
