/**
 * Per-agent aggregates of a metric within one period. Every aggregation is derived from the same
 * running totals, so a board can change its aggregation without losing data.
 */
export type Aggregation = "sum" | "count" | "avg" | "min" | "max" | "last";

export interface Aggregate {
  sum: number;
  count: number;
  min: number;
  max: number;
  /** The value of the sample that occurred last, and when it occurred (epoch ms). */
  last: number;
  lastAt: number;
}

export function emptyAggregate(): Aggregate {
  return { sum: 0, count: 0, min: Infinity, max: -Infinity, last: 0, lastAt: -Infinity };
}

export function addSample(aggregate: Aggregate, value: number, occurredAt: number): Aggregate {
  const laterThanLast = occurredAt >= aggregate.lastAt;
  return {
    sum: aggregate.sum + value,
    count: aggregate.count + 1,
    min: Math.min(aggregate.min, value),
    max: Math.max(aggregate.max, value),
    last: laterThanLast ? value : aggregate.last,
    lastAt: laterThanLast ? occurredAt : aggregate.lastAt,
  };
}

export function scoreOf(aggregate: Aggregate, aggregation: Aggregation): number {
  switch (aggregation) {
    case "sum":
      return aggregate.sum;
    case "count":
      return aggregate.count;
    case "avg":
      return aggregate.count === 0 ? 0 : aggregate.sum / aggregate.count;
    case "min":
      return aggregate.count === 0 ? 0 : aggregate.min;
    case "max":
      return aggregate.count === 0 ? 0 : aggregate.max;
    case "last":
      return aggregate.last;
  }
}
