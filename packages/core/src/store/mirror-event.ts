import type { Versioned } from "./versioned.js";

/**
 * A change of a mirrored table (§1.6 "Watches"): added / updated / deleted, with the record before
 * and after. Events of one key arrive in revision order, each change exactly once.
 */
export type MirrorEvent<T> =
  | { readonly type: "added"; readonly id: string; readonly next: Versioned<T> }
  | {
      readonly type: "updated";
      readonly id: string;
      readonly previous: Versioned<T>;
      readonly next: Versioned<T>;
    }
  | { readonly type: "deleted"; readonly id: string; readonly previous: Versioned<T> };
