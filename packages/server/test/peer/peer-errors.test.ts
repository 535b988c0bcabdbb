import { MeshError, type MeshErrorCode, meshErrorCodes } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import {
  decodePeerError,
  encodePeerError,
  errorForPeer,
  errorTrailerNames,
  MAX_PEER_ERROR_MESSAGE_CHARS,
} from "../../src/peer/peer-errors.js";

const peer = { instanceId: "peer-1", label: "127.0.0.1:8080" };

/** What a receiver would read: the status plus the fields, as Node headers. */
function roundTrip(error: MeshError): MeshError {
  const { status, metadata } = encodePeerError(error);
  return decodePeerError(status, { ...metadata }, peer);
}

describe("encodePeerError() / decodePeerError()", () => {
  const cases: [string, MeshError][] = [
    ["not found", new MeshError("MODEL_NOT_FOUND", "model not found", { modelId: "m1" })],
    [
      "not here",
      new MeshError("MODEL_NOT_HERE", "model m1 is not loaded", { instanceId: "pod-x", modelId: "m1" }),
    ],
    ["load failure", new MeshError("LOAD_FAILED", "runtime said: bad model", { instanceId: "pod-y" })],
    ["internal", new MeshError("INTERNAL", "8 retry iterations exhausted")],
    ["runtime status", new MeshError("RUNTIME_ERROR", "pkg.Svc/M: INVALID_ARGUMENT: bad", { grpcCode: 3 })],
    ["non-ASCII message", new MeshError("CAPACITY_EXHAUSTED", "plus de place ✗ 100%")],
    ["model id with separators", new MeshError("MODEL_NOT_FOUND", "model not found", { modelId: "a,b:c d" })],
  ];
  for (const [name, error] of cases) {
    it(`carries a ${name} error intact`, () => {
      const back = roundTrip(error);
      expect(back).toBeInstanceOf(MeshError);
      expect({ code: back.code, message: back.message, details: back.details }).toEqual({
        code: error.code,
        message: error.message,
        details: error.details,
      });
    });
  }

  it("has a distinct kind for every MeshError code", () => {
    const kinds = meshErrorCodes.map(
      (code: MeshErrorCode) => encodePeerError(new MeshError(code, "x")).metadata[errorTrailerNames.kind],
    );
    expect(new Set(kinds).size).toBe(meshErrorCodes.length);
    for (const code of meshErrorCodes) expect(roundTrip(new MeshError(code, "x")).code).toBe(code);
  });

  it("names the answering peer for a load failure or not-here without an instance id", () => {
    expect(roundTrip(new MeshError("LOAD_FAILED", "failed")).details.instanceId).toBe("peer-1");
    expect(roundTrip(new MeshError("MODEL_NOT_HERE", "gone")).details.instanceId).toBe("peer-1");
    expect(roundTrip(new MeshError("INTERNAL", "x")).details.instanceId).toBeUndefined();
  });

  it("reads Connect's Headers as well as Node's headers", () => {
    const { status, metadata } = encodePeerError(new MeshError("LOAD_FAILED", "boom", { instanceId: "p" }));
    const back = decodePeerError(status, new Headers(metadata), peer);
    expect([back.code, back.details.instanceId]).toEqual(["LOAD_FAILED", "p"]);
  });

  const foreign: [string, number, MeshErrorCode][] = [
    ["UNAVAILABLE", 14, "INSTANCE_UNAVAILABLE"],
    ["DEADLINE_EXCEEDED", 4, "DEADLINE_EXCEEDED"],
    ["CANCELLED", 1, "CANCELLED"],
    ["UNIMPLEMENTED", 12, "INTERNAL"],
    ["NOT_FOUND", 5, "INTERNAL"],
  ];
  for (const [name, code, expected] of foreign) {
    it(`maps a ${name} status without an error kind (not from a mesh peer) to ${expected}`, () => {
      const back = decodePeerError({ code, message: "nope" }, {}, peer);
      expect(back.code).toBe(expected);
      expect(back.message).toContain("peer-1 (127.0.0.1:8080)");
      expect(back.message).toContain("nope");
    });
  }

  const malformed: [string, Record<string, string>, RegExp][] = [
    ["an unknown kind", { [errorTrailerNames.kind]: "banana" }, /unknown error kind "banana"/],
    [
      "a malformed instance id",
      { [errorTrailerNames.kind]: "load-failed", [errorTrailerNames.instanceId]: "a b" },
      /instance id/,
    ],
    [
      "a malformed runtime code",
      { [errorTrailerNames.kind]: "runtime-status", [errorTrailerNames.runtimeCode]: "x" },
      /runtime code/,
    ],
  ];
  for (const [name, metadata, message] of malformed) {
    it(`turns ${name} into a retryable-by-routing INTERNAL error`, () => {
      const back = decodePeerError({ code: 13, message: "m" }, metadata, peer);
      expect(back.code).toBe("INTERNAL");
      expect(back.message).toMatch(message);
      expect(back.details.instanceId).toBe("peer-1");
    });
  }
});

describe("errorForPeer()", () => {
  it("keeps an error about the model asked for, or about no model", () => {
    const own = new MeshError("LOAD_FAILED", "INTERNAL: bad weights", { modelId: "m1", instanceId: "p" });
    expect(errorForPeer(own, "m1")).toBe(own);
    const general = new MeshError("INTERNAL", "8 retry iterations exhausted");
    expect(errorForPeer(general, "m1")).toBe(general);
  });

  it("withholds the message and model id of an error about another model, keeping code and instance", () => {
    const other = new MeshError("LOAD_FAILED", "INTERNAL: root:x:0:0", { modelId: "m2", instanceId: "p" });
    const sent = errorForPeer(other, "m1");
    expect({ code: sent.code, message: sent.message, details: sent.details }).toEqual({
      code: "LOAD_FAILED",
      message: "load-failed error concerning another model",
      details: { instanceId: "p" },
    });
  });
});

describe("encodePeerError() message bound", () => {
  it("cuts a long message to the limit, never inside a character", () => {
    const long = `${"a".repeat(MAX_PEER_ERROR_MESSAGE_CHARS - 1)}😀${"b".repeat(100)}`;
    const { status } = encodePeerError(new MeshError("INTERNAL", long));
    expect(status.message).toBe(`${"a".repeat(MAX_PEER_ERROR_MESSAGE_CHARS - 1)} … (truncated)`);
    expect(() => encodeURIComponent(status.message)).not.toThrow();
  });
});
