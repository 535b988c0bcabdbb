import { type Random, randomIndex } from "../ports/random.js";

/**
 * Picks one of `survivors` uniformly at random with the injected {@link Random} (§3.4).
 * A single survivor is taken without drawing, as in the original.
 */
export function pickUniform<T>(survivors: readonly T[], random: Random): T | undefined {
  if (survivors.length <= 1) return survivors[0];
  return survivors[randomIndex(random, survivors.length)];
}

/** The random pick as a named, explainable policy. */
export const randomPickPolicy = {
  name: "random-pick",
  explain(picked: boolean, poolSize: number): string {
    if (poolSize === 1) return "the only candidate left";
    return picked
      ? `drawn at random among ${poolSize} candidates`
      : `not drawn (1 of ${poolSize} candidates)`;
  },
} as const;
