/** A goal's standing at a moment of its period, and how much of a period's working time has gone (pure). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { workingElapsed } from "../durable-objects/recognition.ts";
import { goalStanding } from "../protocol/pace.ts";

describe("a goal's standing", () => {
  it("asks a higher-is-better goal for the target's share of the working time gone", () => {
    const goal = { direction: "higher" as const, target: 30 };
    expect(goalStanding(goal, 14, true, 0.5)).toEqual({ reached: false, elapsed: 0.5, expected: 15, behindPace: true });
    expect(goalStanding(goal, 15, true, 0.5)).toEqual({ reached: false, elapsed: 0.5, expected: 15, behindPace: false });
    expect(goalStanding(goal, null, false, 0.25)).toMatchObject({ expected: 7.5, behindPace: true });
    expect(goalStanding(goal, 30, true, 0.1)).toMatchObject({ reached: true, behindPace: false });
    expect(goalStanding(goal, 0, true, -0.2)).toMatchObject({ elapsed: 0, expected: 0, behindPace: false });
    expect(goalStanding(goal, 29, true, 1.4)).toMatchObject({ elapsed: 1, expected: 30, behindPace: true });
  });

  it("judges a score that does not count yet (below the minimum volume) as not reached", () => {
    const goal = { direction: "lower" as const, target: 300 };
    expect(goalStanding(goal, 280, false, 0.5)).toEqual({ reached: false, elapsed: 0.5, expected: 300, behindPace: false });
    expect(goalStanding(goal, 280, true, 0.5)).toMatchObject({ reached: true, behindPace: false });
    expect(goalStanding(goal, 330, true, 0.5)).toMatchObject({ reached: false, behindPace: true });
    expect(goalStanding(goal, null, false, 0.5)).toMatchObject({ reached: false, behindPace: false });
    expect(goalStanding({ direction: "higher", target: 4.5 }, 5, false, 0.2)).toMatchObject({ reached: false });
  });

  it("is never both reached and behind pace", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("higher" as const, "lower" as const),
        fc.integer({ min: 0, max: 1000 }),
        fc.option(fc.integer({ min: 0, max: 2000 })),
        fc.boolean(),
        fc.double({ min: -0.5, max: 1.5, noNaN: true }),
        (direction, target, score, counts, elapsed) => {
          const standing = goalStanding({ direction, target }, score, counts, elapsed);
          expect(standing.reached && standing.behindPace).toBe(false);
          expect(standing.elapsed).toBeGreaterThanOrEqual(0);
          expect(standing.elapsed).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe("the working time gone in a period", () => {
  const zone = "Europe/Stockholm";
  const weekdays = { workingDays: [1, 2, 3, 4, 5], holidays: [] as string[] };
  const at = (iso: string) => Date.parse(iso);
  // Tuesday 2030-03-12 in Stockholm (UTC+1): the day runs 23:00Z to 23:00Z.
  const day = { start: at("2030-03-11T23:00:00Z"), end: at("2030-03-12T23:00:00Z") };

  it("counts a team's shift hours: half way through a 09:00-17:00 shift at 13:00", () => {
    const shift = { start: 9 * 60, end: 17 * 60 };
    expect(workingElapsed(day, at("2030-03-12T12:00:00Z"), { ...weekdays, shift }, zone)).toBe(0.5);
    expect(workingElapsed(day, at("2030-03-12T07:00:00Z"), { ...weekdays, shift }, zone)).toBe(0);
    expect(workingElapsed(day, at("2030-03-12T18:00:00Z"), { ...weekdays, shift }, zone)).toBe(1);
    // Without a shift the whole day counts: 13:00 is 13/24 of it.
    expect(workingElapsed(day, at("2030-03-12T12:00:00Z"), weekdays, zone)).toBeCloseTo(13 / 24, 6);
  });

  it("counts a shift past midnight in the day it starts and the next", () => {
    const shift = { start: 22 * 60, end: 6 * 60 };
    // The day holds 00:00-06:00 (Monday's shift, ending) and 22:00-24:00 (Tuesday's, starting): 8 hours.
    expect(workingElapsed(day, at("2030-03-12T02:00:00Z"), { ...weekdays, shift }, zone)).toBe(3 / 8); // 03:00
    expect(workingElapsed(day, at("2030-03-12T22:00:00Z"), { ...weekdays, shift }, zone)).toBe(7 / 8); // 23:00
  });

  it("skips weekends and holidays over a week; a day with no working time goes by the clock", () => {
    // Week of Monday 2030-03-11 (Stockholm), a holiday on Wednesday: four working days.
    const week = { start: at("2030-03-10T23:00:00Z"), end: at("2030-03-17T23:00:00Z") };
    const calendar = { workingDays: [1, 2, 3, 4, 5], holidays: ["2030-03-13"], shift: { start: 9 * 60, end: 17 * 60 } };
    // Thursday 13:00: Monday and Tuesday done, Wednesday a holiday, half of Thursday: 2.5 of 4 days.
    expect(workingElapsed(week, at("2030-03-14T12:00:00Z"), calendar, zone)).toBe(2.5 / 4);
    // Saturday: the working week is over.
    expect(workingElapsed(week, at("2030-03-16T12:00:00Z"), calendar, zone)).toBe(1);
    const sunday = { start: at("2030-03-16T23:00:00Z"), end: at("2030-03-17T23:00:00Z") };
    expect(workingElapsed(sunday, at("2030-03-17T11:00:00Z"), calendar, zone)).toBe(0.5);
  });

  it("keeps shift hours on the wall clock across a change to summer time", () => {
    // Sunday 2030-03-31 Stockholm goes from UTC+1 to UTC+2; Monday 1 April's shift is 07:00Z-15:00Z.
    const monday = { start: at("2030-03-31T22:00:00Z"), end: at("2030-04-01T22:00:00Z") };
    expect(workingElapsed(monday, at("2030-04-01T11:00:00Z"), { ...weekdays, shift: { start: 9 * 60, end: 17 * 60 } }, zone)).toBe(0.5);
  });
});
