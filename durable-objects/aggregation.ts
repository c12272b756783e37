/**
 * Per-agent aggregates of a metric within one period. Every aggregation is derived from the same
 * running totals, so a board can change its aggregation without losing data.
 */
export type Aggregation = "sum" | "count" | "avg" | "ratio" | "min" | "max" | "last";

/** What kind of score event: a sample, a replaced value, a signed delta, or a retraction. */
export type EventKind = "add" | "set" | "adjust" | "void";
/** Ratio metrics count numerator and denominator events apart. */
export type Part = "numerator" | "denominator";

export interface Aggregate {
  /** Numerator samples: their sum, count, extremes, and the one that occurred last (epoch ms). */
  sum: number;
  count: number;
  min: number;
  max: number;
  last: number;
  lastAt: number;
  /** Sum of denominator samples (ratio metrics). */
  den: number;
  /** Sum of signed adjustments, added to the score whatever the aggregation. */
  adjust: number;
}

export function emptyAggregate(): Aggregate {
  return { sum: 0, count: 0, min: Infinity, max: -Infinity, last: 0, lastAt: -Infinity, den: 0, adjust: 0 };
}

export function addSample(aggregate: Aggregate, value: number, occurredAt: number, part: Part = "numerator"): Aggregate {
  if (part === "denominator") return { ...aggregate, den: aggregate.den + value };
  const laterThanLast = occurredAt >= aggregate.lastAt;
  return {
    ...aggregate,
    sum: aggregate.sum + value,
    count: aggregate.count + 1,
    min: Math.min(aggregate.min, value),
    max: Math.max(aggregate.max, value),
    last: laterThanLast ? value : aggregate.last,
    lastAt: laterThanLast ? occurredAt : aggregate.lastAt,
  };
}

export function addAdjustment(aggregate: Aggregate, delta: number): Aggregate {
  return { ...aggregate, adjust: aggregate.adjust + delta };
}

/**
 * Two aggregates as one: the same agent's work counted in two places (two teams, before and after
 * a move). Every aggregation of the result equals the aggregation of all the samples together.
 */
export function mergeAggregates(a: Aggregate, b: Aggregate): Aggregate {
  const bLater = b.lastAt > a.lastAt;
  return {
    sum: a.sum + b.sum,
    count: a.count + b.count,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    last: bLater ? b.last : a.last,
    lastAt: bLater ? b.lastAt : a.lastAt,
    den: a.den + b.den,
    adjust: a.adjust + b.adjust,
  };
}

/** JSON has no infinities: an empty aggregate's extremes travel as null. */
export type AggregateJson = [number, number, number | null, number | null, number, number | null, number, number];

export function aggregateToJson(a: Aggregate): AggregateJson {
  const finite = (n: number) => (Number.isFinite(n) ? n : null);
  return [a.sum, a.count, finite(a.min), finite(a.max), a.last, finite(a.lastAt), a.den, a.adjust];
}

export function aggregateFromJson([sum, count, min, max, last, lastAt, den, adjust]: AggregateJson): Aggregate {
  return { sum, count, min: min ?? Infinity, max: max ?? -Infinity, last, lastAt: lastAt ?? -Infinity, den, adjust };
}

/**
 * The agent's score, or null when there is nothing to rank: no samples at all, or none that the
 * aggregation can use (an average of nothing, a ratio with no denominator). A `ratio` is a
 * percentage: 100 × numerator ÷ denominator.
 */
export function scoreOf(aggregate: Aggregate, aggregation: Aggregation): number | null {
  const base = baseScore(aggregate, aggregation);
  return base === null ? null : base + aggregate.adjust;
}

function baseScore(a: Aggregate, aggregation: Aggregation): number | null {
  switch (aggregation) {
    case "sum":
      return a.count === 0 && a.adjust === 0 ? null : a.sum;
    case "count":
      return a.count === 0 && a.adjust === 0 ? null : a.count;
    case "avg":
      return a.count === 0 ? null : a.sum / a.count;
    case "ratio":
      return a.den === 0 ? null : (100 * a.sum) / a.den;
    case "min":
      return a.count === 0 ? null : a.min;
    case "max":
      return a.count === 0 ? null : a.max;
    case "last":
      return a.count === 0 ? null : a.last;
  }
}

/** A stored event, as the fold needs it. `ref` is the event a `set` or `void` corrects. */
export interface FoldableEvent {
  seq: number;
  id: string;
  /** Which metric (a scorecard folds several); absent when folding one metric. */
  metric?: string;
  kind: EventKind;
  value: number;
  ref: string | null;
  part: Part;
  occurredAt: number;
}

/**
 * The aggregate of one agent's events in one period, in ingest order, with corrections applied:
 * `set` replaces the value of the sample or adjustment it names, `void` retracts it. Also returns
 * the seq of the event after which the score last changed (ties go to who reached a score first).
 */
export function foldEvents(events: Iterable<FoldableEvent>, aggregation: Aggregation): { aggregate: Aggregate; reachedSeq: number } {
  const { parts, reachedSeq } = foldParts(events, (parts) => scoreOf(parts.get("") ?? emptyAggregate(), aggregation), () => "");
  return { aggregate: parts.get("") ?? emptyAggregate(), reachedSeq };
}

/**
 * The fold of events of several metrics at once (a scorecard's components): one aggregate per
 * metric, and the seq after which `score` of them all last changed. Corrections are rare, so they
 * re-aggregate the samples of the metric they correct; everything else is incremental.
 */
export function foldParts(
  events: Iterable<FoldableEvent>,
  score: (parts: ReadonlyMap<string, Aggregate>) => number | null,
  keyOf: (event: FoldableEvent) => string = (e) => e.metric ?? "",
): { parts: Map<string, Aggregate>; reachedSeq: number } {
  const samples = new Map<string, Map<string, FoldableEvent>>();
  const adjustments = new Map<string, Map<string, number>>();
  const parts = new Map<string, Aggregate>();
  let current: number | null = null;
  let reachedSeq = 0;
  for (const e of events) {
    const key = keyOf(e);
    let ofKey = samples.get(key);
    if (!ofKey) samples.set(key, (ofKey = new Map()));
    let adjustOfKey = adjustments.get(key);
    if (!adjustOfKey) adjustments.set(key, (adjustOfKey = new Map()));
    const before = parts.get(key) ?? emptyAggregate();
    switch (e.kind) {
      case "add":
        ofKey.set(e.id, e);
        parts.set(key, addSample(before, e.value, e.occurredAt, e.part));
        break;
      case "adjust":
        adjustOfKey.set(e.id, e.value);
        parts.set(key, addAdjustment(before, e.value));
        break;
      case "set":
      case "void": {
        const ref = e.ref ?? "";
        const sample = ofKey.get(ref);
        if (e.kind === "void") {
          ofKey.delete(ref);
          adjustOfKey.delete(ref);
        } else if (sample) {
          ofKey.set(ref, { ...sample, value: e.value });
        } else if (adjustOfKey.has(ref)) {
          adjustOfKey.set(ref, e.value);
        }
        let aggregate = emptyAggregate();
        for (const s of ofKey.values()) aggregate = addSample(aggregate, s.value, s.occurredAt, s.part);
        for (const delta of adjustOfKey.values()) aggregate = addAdjustment(aggregate, delta);
        parts.set(key, aggregate);
        break;
      }
    }
    const next = score(parts);
    if (next !== current) {
      current = next;
      reachedSeq = e.seq;
    }
  }
  return { parts, reachedSeq };
}
