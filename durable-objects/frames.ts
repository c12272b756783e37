/**
 * Serialising frames whose rows many views share. Agents' views reuse the same row objects within
 * a tick (see projection.ts), so each row's JSON is made once and joined into every frame that
 * carries it, instead of stringifying the same rows once per view. Rows are never mutated after
 * projection, which is what makes remembering their text safe.
 */
import type { SnapshotFrame, UpdateFrame } from "../protocol/index.ts";

const rowText = new WeakMap<object, string>();

export function serialiseFrame(frame: SnapshotFrame | UpdateFrame): string {
  const { rest, key, rows } =
    frame.type === "snapshot" ? { rest: { ...frame, rows: undefined }, key: "rows", rows: frame.rows } : { rest: { ...frame, changed: undefined }, key: "changed", rows: frame.changed };
  const parts = rows.map((row) => {
    let text = rowText.get(row);
    if (text === undefined) rowText.set(row, (text = JSON.stringify(row)));
    return text;
  });
  // `undefined` fields are left out by JSON.stringify; the rows go last.
  return `${JSON.stringify(rest).slice(0, -1)},"${key}":[${parts.join(",")}]}`;
}
