export type Direction = "higher" | "lower";

/** One member's place on the board. `place` is the 1-based position in board order (unique); `rank` is standard competition rank (1, 2, 2, 4). */
export interface Standing {
  member: string;
  score: number;
  reachedSeq: number;
  rank: number;
  place: number;
}

class TreapNode {
  left: TreapNode | null = null;
  right: TreapNode | null = null;
  size = 1;
  readonly priority = Math.random();

  constructor(
    readonly member: string,
    public score: number,
    public reachedSeq: number,
  ) {}
}

function sizeOf(node: TreapNode | null): number {
  return node === null ? 0 : node.size;
}

function resize(node: TreapNode): void {
  node.size = 1 + sizeOf(node.left) + sizeOf(node.right);
}

function rotateRight(node: TreapNode, pivot: TreapNode): TreapNode {
  node.left = pivot.right;
  pivot.right = node;
  resize(node);
  resize(pivot);
  return pivot;
}

function rotateLeft(node: TreapNode, pivot: TreapNode): TreapNode {
  node.right = pivot.left;
  pivot.left = node;
  resize(node);
  resize(pivot);
  return pivot;
}

function merge(a: TreapNode | null, b: TreapNode | null): TreapNode | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.priority > b.priority) {
    a.right = merge(a.right, b);
    resize(a);
    return a;
  }
  b.left = merge(a, b.left);
  resize(b);
  return b;
}

/**
 * Order-statistic leaderboard: a treap ordered by board order, with subtree
 * sizes so that place, rank and k-th lookups are O(log n) expected.
 */
export class RankedBoard {
  readonly direction: Direction;
  private root: TreapNode | null = null;
  private readonly nodes = new Map<string, TreapNode>();

  constructor(direction: Direction) {
    if (direction !== "higher" && direction !== "lower") {
      throw new RangeError(`direction must be "higher" or "lower", got ${String(direction)}`);
    }
    this.direction = direction;
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Insert or move a member. reachedSeq = when the member reached this score (lower = earlier). */
  set(member: string, score: number, reachedSeq: number): void {
    // NaN would make the comparator inconsistent and silently corrupt the tree.
    if (!Number.isFinite(score)) throw new RangeError(`score must be a finite number, got ${score}`);
    if (!Number.isFinite(reachedSeq)) {
      throw new RangeError(`reachedSeq must be a finite number, got ${reachedSeq}`);
    }
    // -0 and 0 tie anyway; storing one of them keeps get() and entries() predictable.
    if (score === 0) score = 0;
    const existing = this.nodes.get(member);
    if (existing !== undefined) {
      if (existing.score === score && existing.reachedSeq === reachedSeq) return;
      this.root = this.remove(this.root, existing);
      existing.score = score;
      existing.reachedSeq = reachedSeq;
      existing.left = null;
      existing.right = null;
      existing.size = 1;
      this.root = this.insert(this.root, existing);
      return;
    }
    const node = new TreapNode(member, score, reachedSeq);
    this.nodes.set(member, node);
    this.root = this.insert(this.root, node);
  }

  delete(member: string): boolean {
    const node = this.nodes.get(member);
    if (node === undefined) return false;
    this.root = this.remove(this.root, node);
    this.nodes.delete(member);
    return true;
  }

  has(member: string): boolean {
    return this.nodes.has(member);
  }

  get(member: string): { score: number; reachedSeq: number } | undefined {
    const node = this.nodes.get(member);
    return node === undefined ? undefined : { score: node.score, reachedSeq: node.reachedSeq };
  }

  /** Standard competition rank: 1 + number of members with a strictly better score. */
  rankOf(member: string): number | undefined {
    const node = this.nodes.get(member);
    return node === undefined ? undefined : 1 + this.countStrictlyBetter(node.score);
  }

  /** 1-based place in board order. */
  placeOf(member: string): number | undefined {
    const node = this.nodes.get(member);
    return node === undefined ? undefined : this.placeOfNode(node);
  }

  /**
   * Members at places [from, from+count) in board order (from is 1-based).
   * The window is clipped to the board, so out-of-range parts are simply absent.
   */
  slice(from: number, count: number): Standing[] {
    const first = Math.floor(from);
    const start = Math.max(1, first);
    const end = Math.min(this.size, first + Math.floor(count) - 1);
    // Written so that NaN bounds also yield an empty slice.
    if (!(start <= end)) return [];

    // Ancestors still to be visited in order, ending with the node at `start`.
    const stack: TreapNode[] = [];
    let node = this.root;
    let k = start - 1;
    while (node !== null) {
      const leftSize = sizeOf(node.left);
      if (k < leftSize) {
        stack.push(node);
        node = node.left;
      } else if (k === leftSize) {
        stack.push(node);
        break;
      } else {
        k -= leftSize + 1;
        node = node.right;
      }
    }

    const out: Standing[] = [];
    let place = start;
    let rank = 0;
    let previousScore = 0;
    while (place <= end) {
      const current = stack.pop();
      if (current === undefined) break;
      if (place === start) {
        rank = 1 + this.countStrictlyBetter(current.score);
      } else if (current.score !== previousScore) {
        // Everything before this place has a strictly better score.
        rank = place;
      }
      previousScore = current.score;
      out.push({
        member: current.member,
        score: current.score,
        reachedSeq: current.reachedSeq,
        rank,
        place,
      });
      place++;
      for (let next = current.right; next !== null; next = next.left) stack.push(next);
    }
    return out;
  }

  top(n: number): Standing[] {
    return this.slice(1, n);
  }

  /** The member plus up to k places above and k below. Empty if absent. */
  around(member: string, k: number): Standing[] {
    const node = this.nodes.get(member);
    if (node === undefined) return [];
    const reach = Number.isNaN(k) ? 0 : Math.max(0, Math.floor(k));
    const place = this.placeOfNode(node);
    const from = Math.max(1, place - reach);
    const to = Math.min(this.size, place + reach);
    return this.slice(from, to - from + 1);
  }

  /** All members in board order. */
  entries(): Standing[] {
    return this.slice(1, this.size);
  }

  clear(): void {
    this.root = null;
    this.nodes.clear();
  }

  /** Negative when `a` comes first in board order. Only 0 for the same member. */
  private compare(a: TreapNode, b: TreapNode): number {
    if (a.score !== b.score) {
      const aFirst = this.direction === "higher" ? a.score > b.score : a.score < b.score;
      return aFirst ? -1 : 1;
    }
    if (a.reachedSeq !== b.reachedSeq) return a.reachedSeq < b.reachedSeq ? -1 : 1;
    if (a.member === b.member) return 0;
    return a.member < b.member ? -1 : 1;
  }

  private isBetter(score: number, than: number): boolean {
    return this.direction === "higher" ? score > than : score < than;
  }

  private countStrictlyBetter(score: number): number {
    let count = 0;
    let node = this.root;
    while (node !== null) {
      if (this.isBetter(node.score, score)) {
        count += sizeOf(node.left) + 1;
        node = node.right;
      } else {
        node = node.left;
      }
    }
    return count;
  }

  private placeOfNode(target: TreapNode): number {
    let before = 0;
    let node = this.root;
    while (node !== null) {
      const c = this.compare(target, node);
      if (c === 0) return before + sizeOf(node.left) + 1;
      if (c < 0) {
        node = node.left;
      } else {
        before += sizeOf(node.left) + 1;
        node = node.right;
      }
    }
    throw new Error(`ranking tree is missing member ${target.member}`);
  }

  private insert(node: TreapNode | null, fresh: TreapNode): TreapNode {
    if (node === null) return fresh;
    if (this.compare(fresh, node) < 0) {
      const left = this.insert(node.left, fresh);
      node.left = left;
      if (left.priority > node.priority) return rotateRight(node, left);
    } else {
      const right = this.insert(node.right, fresh);
      node.right = right;
      if (right.priority > node.priority) return rotateLeft(node, right);
    }
    node.size++;
    return node;
  }

  private remove(node: TreapNode | null, target: TreapNode): TreapNode | null {
    if (node === null) throw new Error(`ranking tree is missing member ${target.member}`);
    if (node === target) return merge(node.left, node.right);
    if (this.compare(target, node) < 0) {
      node.left = this.remove(node.left, target);
    } else {
      node.right = this.remove(node.right, target);
    }
    node.size--;
    return node;
  }
}
