import type { Clock, Random } from "@modelmesh/core";

/** Wall-clock time (the default {@link Clock} of a running mesh). */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** `Math.random` (the default {@link Random} of a running mesh). */
export const systemRandom: Random = { next: () => Math.random() };
