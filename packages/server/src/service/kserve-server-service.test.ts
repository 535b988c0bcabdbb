import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { GRPCInferenceService } from "@modelmesh/proto";
import { describe, expect, it } from "vitest";
import { serverPackageVersion } from "../util/package-version.js";
import { registerKServeServerCalls } from "./kserve-server-service.js";

function clientFor(isReady: () => boolean) {
  const transport = createRouterTransport((router) =>
    registerKServeServerCalls(router, { isReady, version: "1.2.3" }),
  );
  return createClient(GRPCInferenceService, transport);
}

describe("registerKServeServerCalls()", () => {
  it.each([true, false])(
    "ServerReady repeats isReady() = %s on every call; ServerLive is true",
    async (ready) => {
      const client = clientFor(() => ready);
      expect((await client.serverReady({})).ready).toBe(ready);
      expect((await client.serverLive({})).live).toBe(true);
    },
  );

  it("reads readiness at each call, so it follows start-up and shutdown", async () => {
    let ready = false;
    const client = clientFor(() => ready);
    expect((await client.serverReady({})).ready).toBe(false);
    ready = true;
    expect((await client.serverReady({})).ready).toBe(true);
  });

  it("names the server modelmesh with the given version and no extensions", async () => {
    const metadata = await clientFor(() => true).serverMetadata({});
    expect([metadata.name, metadata.version, metadata.extensions]).toEqual(["modelmesh", "1.2.3", []]);
  });

  it.each(["modelReady", "modelMetadata", "modelInfer"] as const)(
    "leaves %s unregistered, for the inference pass-through",
    async (method) => {
      const error = await clientFor(() => true)
        [method]({})
        .catch((e: unknown) => e);
      expect(ConnectError.from(error).code).toBe(Code.Unimplemented);
    },
  );
});

describe("serverPackageVersion()", () => {
  it("is the version in the package's manifest", async () => {
    const { default: manifest } = await import("../../package.json", { with: { type: "json" } });
    expect(serverPackageVersion()).toBe(manifest.version);
  });
});
