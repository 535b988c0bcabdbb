import { describe, expect, it } from "vitest";
import { contextHeaderNames } from "../../src/peer/context-headers.js";
import { peerRequestHeaders } from "../../src/peer/peer-headers.js";
import { contextFor } from "./support.js";

describe("peerRequestHeaders()", () => {
  const incoming = {
    ":path": "/pkg.Svc/M",
    ":method": "POST",
    "content-type": "application/grpc+proto",
    "user-agent": "grpc-java/1.60",
    "x-custom": "kept",
    "x-list": ["a", "b"],
    "mm-model-id": "client-said",
    "mm-balanced": "true",
    "mm-internal-hop": "forged",
    "grpc-timeout": "5S",
    "grpc-encoding": "gzip",
    "grpc-accept-encoding": "gzip,identity",
    te: "trailers",
    connection: "keep-alive",
    host: "example",
    "content-length": "12",
  };

  it("keeps the client's own headers and the body encoding, drops mesh, transport and connection headers", () => {
    const out = peerRequestHeaders(incoming, contextFor("real-model", { hop: "load_local_only" }));
    expect(out).toEqual({
      "content-type": "application/grpc+proto",
      "user-agent": "grpc-java/1.60",
      "x-custom": "kept",
      "x-list": ["a", "b"],
      "grpc-encoding": "gzip",
      "grpc-accept-encoding": "gzip,identity",
      [contextHeaderNames.modelId]: "real-model",
      [contextHeaderNames.hop]: "load_local_only",
    });
  });
});
