import type { IncomingHttpHeaders } from "node:http2";
import { describe, expect, it } from "vitest";
import {
  decodeContextHeaders,
  encodeContextHeaders,
  contextHeaderNames as h,
} from "../../src/peer/context-headers.js";
import type { PeerRoutingContext } from "../../src/peer/routing-context.js";

const minimal: PeerRoutingContext = {
  modelId: "model-a",
  hop: "hit_only",
  cacheHitExcludes: [],
  cacheMissExcludes: [],
  chainLoadCount: 0,
  weight: 1,
};

const full: PeerRoutingContext = {
  modelId: "ünïcode model, with:separators/and%percent",
  hop: "load_local_only",
  cacheHitExcludes: [
    { instanceId: "pod-a,1", loadTimestampMs: 1_700_000_000_123 },
    { instanceId: "pod:b", loadTimestampMs: -5 },
  ],
  cacheMissExcludes: ["pod-c", "pod d"],
  knownSizeUnits: 0,
  chainLoadCount: 2,
  weight: 3,
  destinationInstanceId: "pod-e",
  vModelId: "vm 1",
};

describe("encodeContextHeaders() / decodeContextHeaders()", () => {
  for (const [name, context] of [
    ["minimal", minimal],
    ["full, ids with separators and non-ASCII", full],
  ] as const) {
    it(`round-trips a ${name} context`, () => {
      const headers = encodeContextHeaders(context);
      for (const value of Object.values(headers)) expect(value).toMatch(/^[\x21-\x7e]*$/);
      expect(decodeContextHeaders(headers)).toEqual({ ok: true, value: context });
    });
  }

  it("leaves defaults out", () => {
    expect(Object.keys(encodeContextHeaders(minimal)).sort()).toEqual([h.hop, h.modelId].sort());
  });

  it("ignores unknown mm-internal-* and other headers", () => {
    const headers = { ...encodeContextHeaders(minimal), "mm-internal-future": "x", "x-user": "y" };
    expect(decodeContextHeaders(headers)).toEqual({ ok: true, value: minimal });
  });

  const base = encodeContextHeaders(minimal);
  const garbage: [string, IncomingHttpHeaders, RegExp][] = [
    ["no model id", { [h.hop]: "hit_only" }, /mm-internal-model-id is missing/],
    ["empty model id", { ...base, [h.modelId]: "" }, /model-id holds a malformed id/],
    ["raw space in an id", { ...base, [h.modelId]: "a b" }, /malformed id/],
    ["broken percent escape", { ...base, [h.modelId]: "%E0%A4%A" }, /malformed id/],
    ["no hop", { [h.modelId]: "m" }, /mm-internal-hop is missing/],
    ["unknown hop", { ...base, [h.hop]: "internal" }, /not hit_only or load_local_only/],
    ["repeated header", { ...base, [h.modelId]: ["a", "b"] }, /repeated/],
    ["hit exclude without timestamp", { ...base, [h.excludeHit]: "pod-a" }, /is not <id>:<ms>/],
    ["hit exclude with text timestamp", { ...base, [h.excludeHit]: "pod-a:soon" }, /is not <id>:<ms>/],
    ["hit exclude beyond 2^53", { ...base, [h.excludeHit]: "pod-a:9999999999999999" }, /out of range/],
    ["empty miss exclude entry", { ...base, [h.excludeMiss]: "a,,b" }, /malformed id/],
    ["negative size", { ...base, [h.knownSize]: "-1" }, /not a non-negative integer/],
    ["fractional chain count", { ...base, [h.chainCount]: "1.5" }, /not a non-negative integer/],
    ["zero weight", { ...base, [h.weight]: "0" }, /weight is not a positive integer/],
    ["empty destination", { ...base, [h.destination]: "" }, /malformed id/],
    ["too many excludes", { ...base, [h.excludeMiss]: Array(1025).fill("x").join(",") }, /more than 1024/],
    [
      "a chain count over 64",
      { ...base, [h.chainCount]: "65" },
      /chain count 65 is more than the limit of 64/,
    ],
    ["a known size over 2^31 units", { ...base, [h.knownSize]: String(2 ** 31 + 1) }, /known size .* limit/],
    ["a weight over 65536", { ...base, [h.weight]: "65537" }, /weight 65537 is more than the limit of 65536/],
    ["a model id over 1 KiB", { ...base, [h.modelId]: "m".repeat(1025) }, /model id is 1025 bytes/],
    ["a vmodel id over 1 KiB", { ...base, [h.vModelId]: "%C3%A9".repeat(513) }, /vmodel id is 1026 bytes/],
    ["a long destination", { ...base, [h.destination]: "d".repeat(257) }, /destination instance id is 257/],
    ["a long hit exclude", { ...base, [h.excludeHit]: `${"i".repeat(257)}:1` }, /cache-hit excludes is 257/],
    [
      "a long miss exclude",
      { ...base, [h.excludeMiss]: `a,${"i".repeat(257)}` },
      /cache-miss excludes is 257/,
    ],
  ];
  it("accepts every hint at its limit", () => {
    const limits = {
      ...base,
      [h.chainCount]: "64",
      [h.knownSize]: String(2 ** 31),
      [h.weight]: "65536",
      [h.modelId]: "m".repeat(1024),
      [h.destination]: "d".repeat(256),
      [h.excludeMiss]: Array(1024).fill("i".repeat(256)).join(","),
    };
    expect(decodeContextHeaders(limits).ok).toBe(true);
  });

  for (const [name, headers, message] of garbage) {
    it(`rejects ${name} with INVALID_ARGUMENT`, () => {
      const result = decodeContextHeaders(headers);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe("INVALID_ARGUMENT");
      expect(result.error.message).toMatch(message);
    });
  }
});
