import { performance } from "node:perf_hooks";
import { RankedBoard } from "../durable-objects/ranking.ts";

// Usage: npx tsx bench/ranking.ts
// Each measurement runs batches until a time budget is spent, so the whole script stays bounded.

const SIZES = [100, 10_000, 100_000];
const BUDGET_MS = 250;
const BATCH = 500;

// Deterministic inputs so runs are comparable; scores come from a narrow range so ties are common, as on a real board.
let seed = 0x9e3779b9;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}

let sink = 0;

function measure(run: (i: number) => void): number {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < BUDGET_MS) {
    for (let j = 0; j < BATCH; j++) run(ops + j);
    ops += BATCH;
    elapsed = performance.now() - start;
  }
  return (elapsed * 1000) / ops;
}

interface Row {
  members: number;
  build: number;
  update: number;
  rankOf: number;
  top10: number;
  around5: number;
}

function benchSize(n: number): Row {
  const names = Array.from({ length: n }, (_, i) => `agent-${i}`);
  const picks = Int32Array.from({ length: 1 << 16 }, () => Math.floor(random() * n));
  const scores = Float64Array.from({ length: 1 << 16 }, () => Math.floor(random() * 1000));
  const mask = (1 << 16) - 1;
  const pick = (i: number): string => names[picks[i & mask] ?? 0] ?? "";

  const board = new RankedBoard("higher");
  let seq = 0;
  const buildStart = performance.now();
  for (let i = 0; i < n; i++) board.set(names[i] ?? "", scores[i & mask] ?? 0, seq++);
  const build = ((performance.now() - buildStart) * 1000) / n;

  const update = measure((i) => board.set(pick(i), scores[(i * 7) & mask] ?? 0, seq++));
  const rankOf = measure((i) => {
    sink += board.rankOf(pick(i)) ?? 0;
  });
  const top10 = measure(() => {
    sink += board.top(10).length;
  });
  const around5 = measure((i) => {
    sink += board.around(pick(i), 5).length;
  });
  return { members: n, build, update, rankOf, top10, around5 };
}

const rows = SIZES.map(benchSize);
const fmt = (us: number): string => us.toFixed(3).padStart(12);
console.log(`node ${process.version}, ${BUDGET_MS} ms per measurement, µs/op`);
console.log(
  ["members".padStart(9), "insert", "set/update", "rankOf", "top(10)", "around(m,5)"]
    .map((h, i) => (i === 0 ? h : h.padStart(12)))
    .join(" "),
);
for (const r of rows) {
  console.log(
    [String(r.members).padStart(9), fmt(r.build), fmt(r.update), fmt(r.rankOf), fmt(r.top10), fmt(r.around5)].join(" "),
  );
}
if (sink === -1) console.log("unreachable");
