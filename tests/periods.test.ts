import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isValidTimeZone,
  nextPeriod,
  periodContaining,
  zonedTimeToUtc,
  type PeriodKind,
  type PeriodRule,
} from "../durable-objects/periods.ts";

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const at = (isoString: string): number => Date.parse(isoString);

describe("zonedTimeToUtc", () => {
  it("converts an ordinary wall-clock time using the zone's offset", () => {
    expect(iso(zonedTimeToUtc("Europe/Stockholm", 2026, 1, 15, 9, 30))).toBe("2026-01-15T08:30:00.000Z");
    expect(iso(zonedTimeToUtc("Europe/Stockholm", 2026, 7, 15, 9, 30))).toBe("2026-07-15T07:30:00.000Z");
    expect(iso(zonedTimeToUtc("Asia/Kolkata", 2026, 7, 15))).toBe("2026-07-14T18:30:00.000Z");
    expect(iso(zonedTimeToUtc("UTC", 2026, 7, 15, 12))).toBe("2026-07-15T12:00:00.000Z");
  });

  it("resolves a time inside the spring-forward gap to the first instant after the gap", () => {
    // Stockholm skips 02:00-03:00 on 2026-03-29; 03:00 CEST is 01:00Z.
    expect(iso(zonedTimeToUtc("Europe/Stockholm", 2026, 3, 29, 2, 30))).toBe("2026-03-29T01:00:00.000Z");
    expect(iso(zonedTimeToUtc("Europe/Stockholm", 2026, 3, 29, 2, 0))).toBe("2026-03-29T01:00:00.000Z");
    // New York skips 02:00-03:00 on 2026-03-08; 03:00 EDT is 07:00Z.
    expect(iso(zonedTimeToUtc("America/New_York", 2026, 3, 8, 2, 15))).toBe("2026-03-08T07:00:00.000Z");
  });

  it("resolves an ambiguous fall-back time to the earlier instant", () => {
    // Stockholm repeats 02:00-03:00 on 2026-10-25: first as CEST (+2), then CET (+1).
    expect(iso(zonedTimeToUtc("Europe/Stockholm", 2026, 10, 25, 2, 30))).toBe("2026-10-25T00:30:00.000Z");
    // New York repeats 01:00-02:00 on 2026-11-01: first as EDT (-4), then EST (-5).
    expect(iso(zonedTimeToUtc("America/New_York", 2026, 11, 1, 1, 30))).toBe("2026-11-01T05:30:00.000Z");
  });

  it("normalises out-of-range fields like Date.UTC", () => {
    expect(zonedTimeToUtc("Europe/Stockholm", 2026, 13, 1)).toBe(zonedTimeToUtc("Europe/Stockholm", 2027, 1, 1));
    expect(zonedTimeToUtc("Europe/Stockholm", 2026, 2, 29)).toBe(zonedTimeToUtc("Europe/Stockholm", 2026, 3, 1));
  });

  it("throws a RangeError for an unknown time zone", () => {
    expect(() => zonedTimeToUtc("Mars/Olympus", 2026, 1, 1)).toThrow(RangeError);
  });
});

describe("days", () => {
  it("makes the Europe/Stockholm spring-forward day (2026-03-29) 23 hours long", () => {
    const rule: PeriodRule = { kind: "day", timeZone: "Europe/Stockholm" };
    const day = periodContaining(rule, at("2026-03-29T10:00:00Z"));
    expect(iso(day.start)).toBe("2026-03-28T23:00:00.000Z");
    expect(iso(day.end)).toBe("2026-03-29T22:00:00.000Z");
    expect(day.end - day.start).toBe(23 * HOUR);
    expect(day.kind).toBe("day");
  });

  it("makes the Europe/Stockholm fall-back day (2026-10-25) 25 hours long", () => {
    const rule: PeriodRule = { kind: "day", timeZone: "Europe/Stockholm" };
    const day = periodContaining(rule, at("2026-10-25T10:00:00Z"));
    expect(iso(day.start)).toBe("2026-10-24T22:00:00.000Z");
    expect(iso(day.end)).toBe("2026-10-25T23:00:00.000Z");
    expect(day.end - day.start).toBe(25 * HOUR);
  });

  it("makes the America/New_York DST days 23 hours (2026-03-08) and 25 hours (2026-11-01) long", () => {
    const rule: PeriodRule = { kind: "day", timeZone: "America/New_York" };
    const spring = periodContaining(rule, at("2026-03-08T12:00:00Z"));
    expect(iso(spring.start)).toBe("2026-03-08T05:00:00.000Z");
    expect(iso(spring.end)).toBe("2026-03-09T04:00:00.000Z");
    expect(spring.end - spring.start).toBe(23 * HOUR);

    const fall = periodContaining(rule, at("2026-11-01T12:00:00Z"));
    expect(iso(fall.start)).toBe("2026-11-01T04:00:00.000Z");
    expect(iso(fall.end)).toBe("2026-11-02T05:00:00.000Z");
    expect(fall.end - fall.start).toBe(25 * HOUR);
  });

  it("puts both passes through the repeated fall-back hour in the same day", () => {
    const rule: PeriodRule = { kind: "day", timeZone: "America/New_York" };
    const firstPass = periodContaining(rule, at("2026-11-01T05:30:00Z")); // 01:30 EDT
    const secondPass = periodContaining(rule, at("2026-11-01T06:30:00Z")); // 01:30 EST
    expect(secondPass).toEqual(firstPass);
  });

  it("handles half-hour DST shifts in Australia/Lord_Howe (24.5h and 23.5h days)", () => {
    const rule: PeriodRule = { kind: "day", timeZone: "Australia/Lord_Howe" };
    // DST ends on the first Sunday of April (02:00 -> 01:30), starts on the first Sunday of October.
    const april = periodContaining(rule, zonedTimeToUtc("Australia/Lord_Howe", 2026, 4, 5, 12));
    expect(april.end - april.start).toBe(24.5 * HOUR);
    const october = periodContaining(rule, zonedTimeToUtc("Australia/Lord_Howe", 2026, 10, 4, 12));
    expect(october.end - october.start).toBe(23.5 * HOUR);
  });

  it("starts each day exactly at local midnight and ends at the next local midnight", () => {
    const rule: PeriodRule = { kind: "day", timeZone: "Europe/Stockholm" };
    const midnight = zonedTimeToUtc("Europe/Stockholm", 2026, 5, 13);
    expect(periodContaining(rule, midnight).start).toBe(midnight);
    expect(periodContaining(rule, midnight - 1).end).toBe(midnight);
  });
});

describe("shift-days", () => {
  const rule: PeriodRule = { kind: "day", timeZone: "Europe/Stockholm", dayStartHour: 6 };

  it("assigns an instant at 03:00 local to the previous day's shift when shifts start at 06:00", () => {
    const threeAm = zonedTimeToUtc("Europe/Stockholm", 2026, 5, 13, 3); // 01:00Z
    const shift = periodContaining(rule, threeAm);
    expect(iso(shift.start)).toBe("2026-05-12T04:00:00.000Z"); // 2026-05-12 06:00 CEST
    expect(iso(shift.end)).toBe("2026-05-13T04:00:00.000Z"); // 2026-05-13 06:00 CEST
  });

  it("starts a new shift-day exactly at 06:00 local", () => {
    const sixAm = zonedTimeToUtc("Europe/Stockholm", 2026, 5, 13, 6);
    expect(periodContaining(rule, sixAm).start).toBe(sixAm);
    expect(periodContaining(rule, sixAm - 1).end).toBe(sixAm);
  });

  it("makes the 06:00 shift-day spanning the spring-forward night 23 hours long", () => {
    const shift = periodContaining(rule, at("2026-03-29T01:30:00Z")); // 03:30 CEST on the DST night
    expect(iso(shift.start)).toBe("2026-03-28T05:00:00.000Z"); // 06:00 CET
    expect(iso(shift.end)).toBe("2026-03-29T04:00:00.000Z"); // 06:00 CEST
    expect(shift.end - shift.start).toBe(23 * HOUR);
  });

  it("starts a shift-day whose start hour falls in the spring-forward gap at the end of the gap", () => {
    const gapRule: PeriodRule = { kind: "day", timeZone: "Europe/Stockholm", dayStartHour: 2 };
    const shift = periodContaining(gapRule, at("2026-03-29T10:00:00Z"));
    expect(iso(shift.start)).toBe("2026-03-29T01:00:00.000Z"); // 03:00 CEST, first instant after the gap
    expect(iso(shift.end)).toBe("2026-03-30T00:00:00.000Z"); // 02:00 CEST next day
  });
});

describe("weeks", () => {
  it("starts weeks on Monday at local midnight by default", () => {
    const rule: PeriodRule = { kind: "week", timeZone: "Europe/Stockholm" };
    const week = periodContaining(rule, at("2026-05-13T10:00:00Z")); // Wednesday
    expect(iso(week.start)).toBe("2026-05-10T22:00:00.000Z"); // Mon 2026-05-11 00:00 CEST
    expect(iso(week.end)).toBe("2026-05-17T22:00:00.000Z"); // Mon 2026-05-18 00:00 CEST
    expect(new Date(week.start + 2 * HOUR).getUTCDay()).toBe(1);
  });

  it("starts weeks on Sunday when weekStartsOn is 0", () => {
    const rule: PeriodRule = { kind: "week", timeZone: "America/New_York", weekStartsOn: 0 };
    const week = periodContaining(rule, at("2026-05-13T16:00:00Z")); // Wednesday
    expect(iso(week.start)).toBe("2026-05-10T04:00:00.000Z"); // Sun 2026-05-10 00:00 EDT
    expect(iso(week.end)).toBe("2026-05-17T04:00:00.000Z");
    // The Sunday itself opens the week; the Saturday before belongs to the previous week.
    expect(periodContaining(rule, week.start).start).toBe(week.start);
    expect(periodContaining(rule, week.start - 1).end).toBe(week.start);
  });

  it("makes a Monday week that contains the spring-forward day 167 hours long", () => {
    const rule: PeriodRule = { kind: "week", timeZone: "Europe/Stockholm", weekStartsOn: 1 };
    const week = periodContaining(rule, at("2026-03-29T10:00:00Z")); // Sunday, DST day
    expect(iso(week.start)).toBe("2026-03-22T23:00:00.000Z"); // Mon 2026-03-23 00:00 CET
    expect(iso(week.end)).toBe("2026-03-29T22:00:00.000Z"); // Mon 2026-03-30 00:00 CEST
    expect(week.end - week.start).toBe(167 * HOUR);
  });

  it("starts a week with a 06:00 shift-day at 06:00 on the first day of the week", () => {
    const rule: PeriodRule = { kind: "week", timeZone: "Europe/Stockholm", dayStartHour: 6 };
    // Monday 2026-05-11 at 05:00 local is still Sunday's shift, so the previous week.
    const earlyMonday = zonedTimeToUtc("Europe/Stockholm", 2026, 5, 11, 5);
    const week = periodContaining(rule, earlyMonday);
    expect(week.end).toBe(zonedTimeToUtc("Europe/Stockholm", 2026, 5, 11, 6));
    expect(week.start).toBe(zonedTimeToUtc("Europe/Stockholm", 2026, 5, 4, 6));
  });
});

describe("months", () => {
  const rule: PeriodRule = { kind: "month", timeZone: "Europe/Stockholm" };

  it("rolls December over into January of the next year", () => {
    const december = periodContaining(rule, at("2026-12-15T12:00:00Z"));
    expect(iso(december.start)).toBe("2026-11-30T23:00:00.000Z");
    expect(iso(december.end)).toBe("2026-12-31T23:00:00.000Z");

    const january = nextPeriod(rule, december);
    expect(january.start).toBe(december.end);
    expect(iso(january.end)).toBe("2027-01-31T23:00:00.000Z");
    expect(january.kind).toBe("month");
  });

  it("makes the month containing the spring-forward day one hour short", () => {
    const march = periodContaining(rule, at("2026-03-15T12:00:00Z"));
    expect(iso(march.start)).toBe("2026-02-28T23:00:00.000Z");
    expect(iso(march.end)).toBe("2026-03-31T22:00:00.000Z");
    expect(march.end - march.start).toBe((31 * 24 - 1) * HOUR);
  });

  it("keeps the early hours of the 1st in the previous month when shifts start at 06:00", () => {
    const shiftRule: PeriodRule = { kind: "month", timeZone: "Europe/Stockholm", dayStartHour: 6 };
    const may = periodContaining(shiftRule, zonedTimeToUtc("Europe/Stockholm", 2026, 6, 1, 5));
    expect(may.start).toBe(zonedTimeToUtc("Europe/Stockholm", 2026, 5, 1, 6));
    expect(may.end).toBe(zonedTimeToUtc("Europe/Stockholm", 2026, 6, 1, 6));
  });
});

describe("nextPeriod", () => {
  const zones = ["Europe/Stockholm", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"];
  const kinds: PeriodKind[] = ["day", "week", "month", "quarter"];

  it("produces contiguous chains of periods in every zone and kind", () => {
    for (const timeZone of zones) {
      for (const kind of kinds) {
        const rule: PeriodRule = { kind, timeZone, dayStartHour: 6, weekStartsOn: 0 };
        let period = periodContaining(rule, at("2025-12-20T00:00:00Z"));
        const steps = kind === "day" ? 400 : kind === "week" ? 60 : 15;
        for (let i = 0; i < steps; i++) {
          const next = nextPeriod(rule, period);
          expect(next.start).toBe(period.end);
          expect(next.end).toBeGreaterThan(next.start);
          expect(next.kind).toBe(kind);
          period = next;
        }
      }
    }
  });

  it("rejects a period whose kind does not match the rule", () => {
    const day = periodContaining({ kind: "day", timeZone: "UTC" }, 0);
    expect(() => nextPeriod({ kind: "week", timeZone: "UTC" }, day)).toThrow(RangeError);
  });
});

describe("properties", () => {
  const zones = [
    "UTC",
    "Europe/Stockholm",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Asia/Kuala_Lumpur",
    "America/Sao_Paulo",
  ];

  it("places every random instant from 2020-2035 inside a self-consistent period for every zone and kind", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 11, 31, 23, 59, 59, 999) }),
        fc.constantFrom(...zones),
        fc.constantFrom<PeriodKind>("day", "week", "month"),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 6 }),
        (instant, timeZone, kind, dayStartHour, weekStartsOn) => {
          const rule: PeriodRule = { kind, timeZone, dayStartHour, weekStartsOn };
          const period = periodContaining(rule, instant);
          expect(period.kind).toBe(kind);
          expect(period.start).toBeLessThanOrEqual(instant);
          expect(instant).toBeLessThan(period.end);
          // Ask for the end first so the start lookup is not served from the last-period memo.
          expect(periodContaining(rule, period.end).start).toBe(period.end);
          expect(periodContaining(rule, period.start)).toEqual(period);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keeps random days within 22-26 hours, weeks within 7 days ± 2 hours and months within 28-31 days ± 2 hours", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 11, 31) }),
        fc.constantFrom(...zones),
        (instant, timeZone) => {
          const day = periodContaining({ kind: "day", timeZone }, instant);
          expect(day.end - day.start).toBeGreaterThanOrEqual(22 * HOUR);
          expect(day.end - day.start).toBeLessThanOrEqual(26 * HOUR);
          const week = periodContaining({ kind: "week", timeZone }, instant);
          expect(Math.abs(week.end - week.start - 168 * HOUR)).toBeLessThanOrEqual(2 * HOUR);
          const month = periodContaining({ kind: "month", timeZone }, instant);
          expect(month.end - month.start).toBeGreaterThanOrEqual(28 * 24 * HOUR - 2 * HOUR);
          expect(month.end - month.start).toBeLessThanOrEqual(31 * 24 * HOUR + 2 * HOUR);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("rules and time zones", () => {
  it("isValidTimeZone rejects Mars/Olympus and the empty string and accepts Europe/Stockholm", () => {
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone("Europe/Stockholm")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
  });

  it("rejects rules with an unknown zone or out-of-range dayStartHour or weekStartsOn", () => {
    expect(() => periodContaining({ kind: "day", timeZone: "Mars/Olympus" }, 0)).toThrow(RangeError);
    expect(() => periodContaining({ kind: "day", timeZone: "UTC", dayStartHour: 24 }, 0)).toThrow(RangeError);
    expect(() => periodContaining({ kind: "day", timeZone: "UTC", dayStartHour: 1.5 }, 0)).toThrow(RangeError);
    expect(() => periodContaining({ kind: "week", timeZone: "UTC", weekStartsOn: 7 }, 0)).toThrow(RangeError);
    expect(() => periodContaining({ kind: "day", timeZone: "UTC" }, Number.NaN)).toThrow(RangeError);
  });
});

describe("quarters", () => {
  it("runs Q4 2026 in Stockholm from 1 October (summer time) to 1 January (winter time)", () => {
    const q4 = periodContaining({ kind: "quarter", timeZone: "Europe/Stockholm" }, at("2026-11-23T12:00:00Z"));
    expect(iso(q4.start)).toBe("2026-09-30T22:00:00.000Z");
    expect(iso(q4.end)).toBe("2026-12-31T23:00:00.000Z");
    expect(nextPeriod({ kind: "quarter", timeZone: "Europe/Stockholm" }, q4)).toMatchObject({ start: q4.end, end: at("2027-03-31T22:00:00Z") });
  });

  it("starts a quarter at the shift-day start hour, so a 05:00 call on 1 April still counts in Q1", () => {
    const rule: PeriodRule = { kind: "quarter", timeZone: "America/New_York", dayStartHour: 6 };
    const early = periodContaining(rule, at("2026-04-01T09:00:00Z")); // 05:00 EDT
    expect(iso(early.start)).toBe("2026-01-01T11:00:00.000Z"); // 06:00 EST
    expect(iso(early.end)).toBe("2026-04-01T10:00:00.000Z"); // 06:00 EDT
  });

  it("tiles time without gaps or overlaps, like every other kind", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), fc.integer({ min: 0, max: 23 }), (instant, hour) => {
        const rule: PeriodRule = { kind: "quarter", timeZone: "Europe/Stockholm", dayStartHour: hour };
        const period = periodContaining(rule, instant);
        expect(period.start <= instant && instant < period.end).toBe(true);
        expect(periodContaining(rule, period.end).start).toBe(period.end);
        expect(periodContaining(rule, period.start - 1).end).toBe(period.start);
      }),
      { numRuns: 300 },
    );
  });
});
