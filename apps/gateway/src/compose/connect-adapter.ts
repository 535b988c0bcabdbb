import { Code, ConnectError, createConnectRouter } from "@connectrpc/connect";
import {
  type ConnectNodeAdapterOptions,
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import { type Logger, noopLogger } from "@modelmesh/core";
import type { DualHandler } from "../listeners/dual-protocol.js";
import { requireOneMessage } from "./request-envelopes.js";

/** Options for {@link meshConnectAdapter}: Connect's node adapter options, plus a logger. */
export interface MeshConnectAdapterOptions
  extends Omit<ConnectNodeAdapterOptions, "requestPathPrefix" | "contextValues" | "fallback"> {
  readonly fallback: DualHandler;
  readonly logger?: Logger;
}

/**
 * Connect's node adapter, with two differences for a hostile network. A request whose
 * authority Connect cannot determine (HTTP/1.0 without `Host`) gets HTTP 400 instead of an
 * exception thrown out of the server's request event, which would end the process. A gRPC or
 * gRPC-Web call to a unary method whose body does not hold exactly one message gets
 * INVALID_ARGUMENT (Connect answers UNIMPLEMENTED, which says the method does not exist).
 */
export function meshConnectAdapter(options: MeshConnectAdapterOptions): DualHandler {
  const logger = options.logger ?? noopLogger;
  const router = createConnectRouter({
    ...options,
    acceptCompression: options.acceptCompression ?? [compressionGzip, compressionBrotli],
  });
  options.routes(router);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));
  return (req, res) => {
    const handler = handlers.get(req.url?.split("?", 2)[0] ?? "");
    if (handler === undefined) {
      options.fallback(req, res);
      return;
    }
    let request: ReturnType<typeof universalRequestFromNodeRequest>;
    try {
      request = universalRequestFromNodeRequest(req, res, undefined, undefined);
    } catch (error) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "invalid_argument", message: ConnectError.from(error).rawMessage }));
      req.resume();
      return;
    }
    const contentType = req.headers["content-type"] ?? "";
    const kind = handler.method.methodKind;
    if (
      contentType.startsWith("application/grpc") &&
      (kind === "unary" || kind === "server_streaming") &&
      isByteStream(request.body)
    ) {
      request = { ...request, body: requireOneMessage(request.body, handler.method.name) };
    }
    handler(request)
      .then((response) => universalResponseToNodeResponse(response, res))
      .catch((reason: unknown) => {
        if (ConnectError.from(reason).code === Code.Aborted) return;
        logger.error(
          { method: `${handler.service.typeName}/${handler.method.name}`, reason: String(reason) },
          "Connect handler failed",
        );
      });
  };
}

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}
