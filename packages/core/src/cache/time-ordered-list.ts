/** A node of a {@link TimeOrderedList}: the list links it through `older`/`newer`. */
export interface TimeOrderedNode<N> {
  /** Position key: last-used time, epoch ms. */
  lastUsedMs: number;
  older: N | undefined;
  newer: N | undefined;
}

/**
 * A doubly linked list kept sorted by absolute last-used time, oldest first (§4.1: entries are
 * positioned by time, not merely by recency). Appending at "now" and evicting the oldest are
 * O(1); placing a node at a historical time walks from whichever end is nearer in time, which is
 * cheap for caches of hundreds to a few thousand entries and keeps the hot path free of a tree.
 * Nodes with equal times keep insertion order (the later one counts as newer).
 */
export class TimeOrderedList<N extends TimeOrderedNode<N>> {
  #oldest: N | undefined;
  #newest: N | undefined;

  /** The least recently used node. */
  get oldest(): N | undefined {
    return this.#oldest;
  }

  /** The most recently used node. */
  get newest(): N | undefined {
    return this.#newest;
  }

  /** Links `node` at the position of its `lastUsedMs`. */
  insert(node: N): void {
    const oldest = this.#oldest;
    const newest = this.#newest;
    if (oldest === undefined || newest === undefined) {
      node.older = node.newer = undefined;
      this.#oldest = this.#newest = node;
    } else if (node.lastUsedMs >= newest.lastUsedMs) {
      this.#linkAfter(node, newest);
    } else if (node.lastUsedMs < oldest.lastUsedMs) {
      this.#linkBefore(node, oldest);
    } else if (node.lastUsedMs - oldest.lastUsedMs < newest.lastUsedMs - node.lastUsedMs) {
      let next = oldest;
      while (next.lastUsedMs <= node.lastUsedMs && next.newer !== undefined) next = next.newer;
      this.#linkBefore(node, next);
    } else {
      let previous = newest;
      while (previous.lastUsedMs > node.lastUsedMs && previous.older !== undefined) previous = previous.older;
      this.#linkAfter(node, previous);
    }
  }

  /** Moves `node` after its `lastUsedMs` grew (touches only move towards the newest end). */
  reposition(node: N): void {
    const newer = node.newer;
    if (newer === undefined || newer.lastUsedMs > node.lastUsedMs) return;
    this.unlink(node);
    this.insert(node);
  }

  /** Removes `node` from the list. */
  unlink(node: N): void {
    if (node.older === undefined) this.#oldest = node.newer;
    else node.older.newer = node.newer;
    if (node.newer === undefined) this.#newest = node.older;
    else node.newer.older = node.older;
    node.older = node.newer = undefined;
  }

  #linkAfter(node: N, previous: N): void {
    node.older = previous;
    node.newer = previous.newer;
    if (previous.newer === undefined) this.#newest = node;
    else previous.newer.older = node;
    previous.newer = node;
  }

  #linkBefore(node: N, next: N): void {
    node.newer = next;
    node.older = next.older;
    if (next.older === undefined) this.#oldest = node;
    else next.older.newer = node;
    next.older = node;
  }
}
