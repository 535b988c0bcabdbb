import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { MeshError } from "@modelmesh/core";
import { HopType, MeshPeerService } from "@modelmesh/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeContextHeaders } from "../../src/peer/context-headers.js";
import { errorTrailerNames, MAX_PEER_ERROR_MESSAGE_CHARS } from "../../src/peer/peer-errors.js";
import { rawGrpcCall } from "../raw-grpc.js";
import { contextFor, frame, startPeer, type TestPeer } from "./support.js";

const UNIMPLEMENTED = 12;
const INTERNAL = 13;

// The internal port serves the peer protocol only: forwarded gRPC calls of plain method names the
// handler accepts, and MeshPeerService. Errors about another model than the one asked about keep
// their kind but not their text, and every message is bounded.
describe("what the internal port accepts (real sockets)", () => {
  let peer: TestPeer;
  const headers = () => encodeContextHeaders(contextFor("model-x"));
  const call = (path: string, extra: Record<string, string> = {}) =>
    rawGrpcCall({
      port: peer.server.port,
      path,
      headers: { ...headers(), ...extra },
      body: [frame(Buffer.from("b"))],
    });

  beforeAll(async () => {
    peer = await startPeer("peer-policy");
  });
  afterAll(async () => {
    await peer.server.close();
  });

  it("refuses runtime management methods and malformed paths with UNIMPLEMENTED, before the handler", async () => {
    for (const path of [
      "/mmesh.ModelRuntime/loadModel",
      "/MMESH.MODELRUNTIME/unloadModel",
      "//mmesh.ModelRuntime/unloadModel",
      "/mmesh.ExamplePredictor/predict/",
      "/mmesh.ExamplePredictor/predict?x=1",
      "/mmesh.ExamplePredictor%2Fpredict",
      "/nomethod",
    ]) {
      const answer = await call(path);
      expect(answer.status, `${path}: ${answer.message}`).toBe(UNIMPLEMENTED);
      expect(answer.headers[errorTrailerNames.kind]).toBe("unimplemented");
    }
    expect(peer.handler.forwarded).toEqual([]);
  });

  it("refuses what the handler's method check refuses, and calls that are not gRPC", async () => {
    peer.handler.refusedMethods.add("pkg.Svc/Refused");
    const refused = await call("/pkg.Svc/Refused");
    expect([refused.status, refused.message]).toEqual([UNIMPLEMENTED, "refused: pkg.Svc/Refused"]);
    const web = await call("/pkg.Svc/Other", { "content-type": "application/grpc-web+proto" });
    expect(web.status).toBe(UNIMPLEMENTED);
    expect(peer.handler.forwarded).toEqual([]);
    const served = await call("/pkg.Svc/Other");
    expect(served.status, served.message).toBe(0);
  });

  it("withholds the text of an error about another model, and bounds every message", async () => {
    peer.handler.onForward = async () => {
      throw new MeshError("LOAD_FAILED", "INTERNAL: root:x:0:0:root:/root:/bin/bash", {
        modelId: "someone-else",
        instanceId: "peer-policy",
      });
    };
    const other = await call("/pkg.Svc/Other");
    expect(other.status).toBe(INTERNAL);
    expect(other.message).toBe("load-failed error concerning another model");
    expect(other.headers[errorTrailerNames.kind]).toBe("load-failed");
    expect(other.headers[errorTrailerNames.modelId]).toBeUndefined();
    peer.handler.onForward = async () => {
      throw new MeshError("LOAD_FAILED", `INTERNAL: ${"e".repeat(100_000)}`, { modelId: "model-x" });
    };
    const own = await call("/pkg.Svc/Other");
    expect(own.message.startsWith("INTERNAL: eee")).toBe(true);
    expect(own.message.length).toBeLessThanOrEqual(MAX_PEER_ERROR_MESSAGE_CHARS + 20);
  });

  it("does the same for the status operation", async () => {
    const status = createClient(
      MeshPeerService,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${peer.server.port}` }),
    );
    const request = {
      context: { modelId: "model-x", hop: HopType.HIT_ONLY, cacheHitExcludes: [], cacheMissExcludes: [] },
    };
    peer.handler.onStatus = async () => {
      throw new MeshError("LOAD_FAILED", "secret of another model", { modelId: "someone-else" });
    };
    const error = await status.modelStatus(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).rawMessage).toBe("load-failed error concerning another model");
    expect((error as ConnectError).code).toBe(Code.Internal);
    peer.handler.onStatus = async () => ({
      status: "LOADING_FAILED",
      errors: ["f".repeat(50_000)],
      copies: [],
    });
    const answer = await status.modelStatus(request);
    expect(answer.errors[0]?.length).toBeLessThanOrEqual(MAX_PEER_ERROR_MESSAGE_CHARS + 20);
  });
});
