/** Where the core gets the time: epoch milliseconds, from the caller. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  nowMs(): number;
}

/** A clock tests move by hand: it never advances on its own. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` (negative values are rejected). */
  advance(ms: number): void;
  /** Sets the time; it may not go backwards. */
  set(nowMs: number): void;
}

/** Creates a {@link ManualClock} starting at `startMs` (default 1_700_000_000_000). */
export function createManualClock(startMs = 1_700_000_000_000): ManualClock {
  let now = startMs;
  return {
    nowMs: () => now,
    advance(ms) {
      if (ms < 0) throw new RangeError(`cannot move a clock backwards (${ms} ms)`);
      now += ms;
    },
    set(nowMs) {
      if (nowMs < now) throw new RangeError(`cannot move a clock backwards (${now} → ${nowMs})`);
      now = nowMs;
    },
  };
}
