import { create } from "@bufbuild/protobuf";
import {
  CopyState,
  HopType,
  ModelState,
  ModelStatusRequestSchema,
  ModelStatusResponseSchema,
} from "@modelmesh/proto";
import { describe, expect, it } from "vitest";
import {
  statusAnswerFromProto,
  statusAnswerToProto,
  statusRequestFromProto,
  statusRequestToProto,
} from "../../src/peer/context-proto.js";
import type { PeerStatusAnswer, PeerStatusRequest } from "../../src/peer/types.js";

const request: PeerStatusRequest = {
  context: {
    modelId: "m",
    hop: "load_local_only",
    cacheHitExcludes: [{ instanceId: "a", loadTimestampMs: 1_700_000_000_000 }],
    cacheMissExcludes: ["b"],
    knownSizeUnits: 12,
    chainLoadCount: 1,
    weight: 1,
    destinationInstanceId: "c",
  },
  load: true,
  sync: false,
  lastUsedMs: 1_700_000_000_001,
  excludeInstances: ["d"],
};

describe("status request and answer messages", () => {
  it("round-trip a request", () => {
    expect(statusRequestFromProto(statusRequestToProto(request))).toEqual({ ok: true, value: request });
  });

  it("round-trip an answer", () => {
    const answer: PeerStatusAnswer = {
      status: "LOADING_FAILED",
      errors: ["boom"],
      copies: [
        { location: "a", copyStatus: "UNKNOWN", timeMs: 2 },
        { location: "b", copyStatus: "LOADING_FAILED", timeMs: 1 },
      ],
      instanceId: "peer",
    };
    expect(statusAnswerFromProto(statusAnswerToProto(answer))).toEqual(answer);
  });

  const garbage: [string, Parameters<typeof create<typeof ModelStatusRequestSchema>>[1], RegExp][] = [
    ["no context", {}, /missing/],
    ["an unspecified hop", { context: { modelId: "m" } }, /unknown hop 0/],
    ["an empty model id", { context: { hop: HopType.HIT_ONLY } }, /empty model id/],
    [
      "a timestamp beyond 2^53",
      {
        context: {
          modelId: "m",
          hop: HopType.HIT_ONLY,
          cacheHitExcludes: [{ instanceId: "a", loadTimestampMs: 2n ** 60n }],
        },
      },
      /not an integer/,
    ],
    ["a zero weight", { context: { modelId: "m", hop: HopType.HIT_ONLY, weight: 0 } }, /weight/],
    [
      "a chain count over the limit",
      { context: { modelId: "m", hop: HopType.LOAD_LOCAL_ONLY, chainLoadCount: 2_000_000_000 } },
      /chain count 2000000000 is more than the limit of 64/,
    ],
    [
      "a known size over the limit",
      { context: { modelId: "m", hop: HopType.LOAD_LOCAL_ONLY, knownSizeUnits: 2n ** 40n } },
      /known size 1099511627776 units is more than the limit/,
    ],
    [
      "a weight over the limit",
      { context: { modelId: "m", hop: HopType.HIT_ONLY, weight: 4_000_000_000 } },
      /weight 4000000000 is more than the limit of 65536/,
    ],
    [
      "a long model id",
      { context: { modelId: "m".repeat(64 * 1024), hop: HopType.HIT_ONLY } },
      /model id is 65536 bytes/,
    ],
    [
      "a long instance id to exclude",
      { context: { modelId: "m", hop: HopType.HIT_ONLY }, excludeInstances: ["x".repeat(300)] },
      /exclude instances is 300 bytes, more than the limit of 256/,
    ],
    [
      "a huge last-used time",
      { context: { modelId: "m", hop: HopType.HIT_ONLY }, lastUsedMs: 2n ** 62n },
      /last-used/,
    ],
  ];
  for (const [name, init, message] of garbage) {
    it(`rejects a request with ${name} (INVALID_ARGUMENT)`, () => {
      const result = statusRequestFromProto(create(ModelStatusRequestSchema, init));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe("INVALID_ARGUMENT");
      expect(result.error.message).toMatch(message);
    });
  }

  it("reports an answer with an unknown state or copy state", () => {
    expect(statusAnswerFromProto(create(ModelStatusResponseSchema, { state: 42 as ModelState }))).toMatch(
      /unknown model state 42/,
    );
    const badCopy = create(ModelStatusResponseSchema, {
      state: ModelState.LOADED,
      copies: [{ instanceId: "x", state: CopyState.UNSPECIFIED }],
    });
    expect(statusAnswerFromProto(badCopy)).toMatch(/malformed copy info/);
  });
});
