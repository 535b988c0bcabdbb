import {
  createServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from "node:http2";
import type { AddressInfo } from "node:net";
import type { Transport } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import type { ModelMesh } from "../src/index.js";

/** A started mesh served the way the gateway serves it, on an h2c server on a free loopback port. */
export interface ServedMesh {
  readonly server: Http2Server;
  readonly port: number;
  /** A gRPC transport to the server, for Connect clients. */
  readonly transport: Transport;
}

/** Serves `mesh` (management routes + inference fallback) on 127.0.0.1 at a free port. */
export async function serveMesh(mesh: ModelMesh): Promise<ServedMesh> {
  const server = createServer(
    connectNodeAdapter({
      routes: (router) => mesh.registerServices(router),
      fallback: (req, res) => mesh.handleInference(req as Http2ServerRequest, res as Http2ServerResponse),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, port, transport: createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }) };
}
