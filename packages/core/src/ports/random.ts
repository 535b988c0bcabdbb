/** Where the core gets randomness, so every decision can be replayed in tests. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
}

/**
 * A small deterministic generator (mulberry32) for tests and simulations: the same seed gives
 * the same sequence.
 */
export function createSeededRandom(seed: number): Random {
  let state = seed >>> 0;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Picks a uniformly random index in [0, length). */
export function randomIndex(random: Random, length: number): number {
  return Math.min(length - 1, Math.floor(random.next() * length));
}
