import { mkdirSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import type { AddressInfo, ServerOpts } from "node:net";
import { dirname } from "node:path";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ExamplePredictor, GRPCInferenceService, ModelRuntime } from "@modelmesh/proto";
import type { ListenAddress, RuntimeConfig } from "./config.js";
import type { EventLog } from "./log.js";
import { createRuntimeState, type RuntimeState } from "./runtime-state.js";
import { inferenceService } from "./services/inference-service.js";
import { modelRuntimeService } from "./services/model-runtime-service.js";
import { predictorService } from "./services/predictor-service.js";
import { serveStreamPredict, streamPredictMethod } from "./services/stream-predict.js";

/** A started example runtime. */
export interface ExampleRuntime {
  readonly state: RuntimeState;
  /** Where it listens, with the real port when 0 was asked for; the serving endpoint last. */
  readonly addresses: readonly ListenAddress[];
  /** Stops listening and closes every connection; waits up to `graceMs` (default 2000) for calls to end. */
  close(graceMs?: number): Promise<void>;
}

type Role = "management" | "serving" | "both";

function routesFor(state: RuntimeState, role: Role) {
  return (router: ConnectRouter) => {
    if (role !== "serving") router.service(ModelRuntime, modelRuntimeService(state));
    if (role !== "management") {
      router.service(ExamplePredictor, predictorService(state));
      router.service(GRPCInferenceService, inferenceService(state));
    }
  };
}

function handlerFor(state: RuntimeState, role: Role) {
  return connectNodeAdapter({
    routes: routesFor(state, role),
    fallback(req, res) {
      if (
        role !== "management" &&
        req.url === `/${streamPredictMethod}` &&
        req instanceof http2.Http2ServerRequest
      ) {
        // An HTTP/2 request always comes with an Http2ServerResponse (Connect narrows its `write`).
        serveStreamPredict(state, req, res as unknown as http2.Http2ServerResponse);
        return;
      }
      // Unknown method: a gRPC UNIMPLEMENTED answer (trailers-only), not a bare HTTP 404.
      res.writeHead(200, {
        "content-type": "application/grpc",
        "grpc-status": "12",
        "grpc-message": "unknown method",
      });
      res.end();
    },
  });
}

async function listen(
  server: http2.Http2Server,
  address: ListenAddress,
  host: string,
): Promise<ListenAddress> {
  if (address.t === "uds") {
    mkdirSync(dirname(address.path), { recursive: true });
    rmSync(address.path, { force: true });
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const done = () => {
      server.off("error", reject);
      resolve();
    };
    if (address.t === "uds") server.listen(address.path, done);
    else server.listen(address.port, host, done);
  });
  return address.t === "uds" ? address : { t: "tcp", port: (server.address() as AddressInfo).port };
}

/** Starts the example runtime on every configured address. */
export async function startExampleRuntime(config: RuntimeConfig, log: EventLog): Promise<ExampleRuntime> {
  const state = createRuntimeState(config, log);
  const sessions = new Set<http2.ServerHttp2Session>();
  const plan: [ListenAddress, Role][] = [
    ...config.listen.map((a): [ListenAddress, Role] => [a, config.serving ? "management" : "both"]),
    ...(config.serving ? [[config.serving, "serving"] as [ListenAddress, Role]] : []),
  ];
  const servers: http2.Http2Server[] = [];
  const addresses: ListenAddress[] = [];
  for (const [address, role] of plan) {
    // Large sessions: 8 MiB+ messages on several streams at once must not trip nghttp2's limit.
    // No Nagle: small response frames go out at once (as gRPC servers do).
    const options: http2.ServerOptions & ServerOpts = { maxSessionMemory: 256, noDelay: true };
    const server = http2.createServer(options, handlerFor(state, role));
    server.on("session", (session) => {
      sessions.add(session);
      session.on("close", () => sessions.delete(session));
    });
    servers.push(server);
    addresses.push(await listen(server, address, config.host));
  }
  return {
    state,
    addresses,
    async close(graceMs = 2000) {
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const session of sessions) session.close();
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, graceMs);
      await Promise.all(closed);
      clearTimeout(timer);
      for (const address of addresses) if (address.t === "uds") rmSync(address.path, { force: true });
    },
  };
}
