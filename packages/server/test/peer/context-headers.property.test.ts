import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  contextHeaderNames,
  decodeContextHeaders,
  encodeContextHeaders,
} from "../../src/peer/context-headers.js";
import type { PeerRoutingContext } from "../../src/peer/routing-context.js";

// The internal port decodes these headers from whoever connects: any value must give a context or
// an INVALID_ARGUMENT, never an exception, and what a sender encodes must decode to itself.

const names = Object.values(contextHeaderNames);
const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[0-9a-z%:,_-]{0,40}$/),
  fc.constantFrom("hit_only", "load_local_only", "0", "-1", "1e9", "99999999999999999", ","),
);

const id = fc.string({ minLength: 1, maxLength: 20 });
const context: fc.Arbitrary<PeerRoutingContext> = fc
  .record({
    modelId: id,
    hop: fc.constantFrom("hit_only" as const, "load_local_only" as const),
    cacheHitExcludes: fc.array(
      fc.record({ instanceId: id, loadTimestampMs: fc.integer({ min: 0, max: 2 ** 45 }) }),
      { maxLength: 4 },
    ),
    cacheMissExcludes: fc.array(id, { maxLength: 4 }),
    knownSizeUnits: fc.option(fc.integer({ min: 0, max: 2 ** 31 }), { nil: undefined }),
    chainLoadCount: fc.integer({ min: 0, max: 64 }),
    weight: fc.integer({ min: 1, max: 65_536 }),
    destinationInstanceId: fc.option(id, { nil: undefined }),
    vModelId: fc.option(id, { nil: undefined }),
  })
  .map((c) => {
    // Optional facts are left out, not set to undefined (exact optional properties).
    const { knownSizeUnits, destinationInstanceId, vModelId, ...rest } = c;
    return {
      ...rest,
      ...(knownSizeUnits === undefined ? {} : { knownSizeUnits }),
      ...(destinationInstanceId === undefined ? {} : { destinationInstanceId }),
      ...(vModelId === undefined ? {} : { vModelId }),
    };
  });

describe("decodeContextHeaders() on any headers", () => {
  it("returns a context or INVALID_ARGUMENT, and never throws", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...names), fc.oneof(anyValue, fc.array(anyValue, { maxLength: 3 }))),
        (headers) => {
          const result = decodeContextHeaders(headers);
          if (!result.ok) expect(result.error.code).toBe("INVALID_ARGUMENT");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("decodes what encodeContextHeaders() wrote to the same context", () => {
    fc.assert(
      fc.property(context, (sent) => {
        const result = decodeContextHeaders(encodeContextHeaders(sent));
        expect(result).toEqual({ ok: true, value: sent });
      }),
      { numRuns: 500 },
    );
  });
});
