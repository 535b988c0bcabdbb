import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { ModelMesh } from "@modelmesh/server";
import type { ReadinessMonitor } from "../health/readiness-monitor.js";
import { registerPortServices } from "../health/register-port-services.js";
import type { DualHandler } from "../listeners/dual-protocol.js";
import { meshConnectAdapter } from "./connect-adapter.js";

/** Options for {@link createRequestHandler}. */
export interface RequestHandlerOptions {
  readonly mesh: ModelMesh;
  /** `MM_SVC_GRPC_MAX_MSG_SIZE`: largest request and response message, bytes. */
  readonly maxMessageBytes: number;
  /** The `/ready` probe's answer, which KServe V2 `ServerReady` repeats. Default: the mesh's own. */
  readonly isReady?: () => boolean;
  /** Readiness for `grpc.health.v1.Health`; absent: no health or reflection service. */
  readonly health?: ReadinessMonitor;
}

// Inference is a byte pass-through over HTTP/2 (design §4); an HTTP/1.1 client calling a model
// gets a Connect-style error that says why, instead of a bare 404.
function refuseHttp1Inference(req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify({
    code: "unimplemented",
    message: `${req.url ?? "this path"} is not a method the mesh answers itself; inference calls need HTTP/2 (gRPC)`,
  });
  res.writeHead(501, { "content-type": "application/json" }).end(body);
  req.resume();
}

/**
 * The external port's request handler: the `mmesh.ModelMesh` service and the KServe V2
 * server-level calls (`ServerLive`, `ServerReady`, `ServerMetadata`), gRPC health and server
 * reflection (with `health`) over gRPC, Connect (JSON and
 * binary, HTTP/1.1 and HTTP/2) and gRPC-Web through Connect's node adapter, and every other path
 * handed to the mesh's inference pass-through.
 */
export function createRequestHandler(options: RequestHandlerOptions): DualHandler {
  const { mesh } = options;
  return meshConnectAdapter({
    routes: (router) => {
      mesh.registerServices(router, options.isReady === undefined ? {} : { isReady: options.isReady });
      if (options.health !== undefined) registerPortServices(router, options.health);
    },
    grpc: true,
    grpcWeb: true,
    connect: true,
    readMaxBytes: options.maxMessageBytes,
    writeMaxBytes: options.maxMessageBytes,
    fallback: (req, res) => {
      if (req.httpVersionMajor === 2) {
        mesh.handleInference(req as Http2ServerRequest, res as Http2ServerResponse);
      } else {
        refuseHttp1Inference(req as IncomingMessage, res as ServerResponse);
      }
    },
  });
}
