import * as http2 from "node:http2";
import type { AddressInfo, ServerOpts } from "node:net";
import { GrpcForwarder, http2TargetFor, runtimeRequestHeaders } from "@modelmesh/runtime-client";

/** A running {@link startBareForwarder} server. */
export interface BareForwarder {
  readonly port: number;
  /** Calls forwarded so far. */
  calls(): number;
  close(): Promise<void>;
}

/**
 * The least a Node gateway must do per call, as a floor for the mesh's figures: an h2c server
 * whose every stream is read whole and handed to the runtime client's `GrpcForwarder` (pooled
 * HTTP/2 session to the runtime), with headers, body and trailers relayed back. No routing, no
 * store, no Connect layer. Runs in this process.
 */
export async function startBareForwarder(runtimePort: number): Promise<BareForwarder> {
  const forwarder = new GrpcForwarder(http2TargetFor({ t: "tcp", host: "127.0.0.1", port: runtimePort }));
  let calls = 0;
  const options: http2.ServerOptions & ServerOpts = { noDelay: true };
  const server = http2.createServer(options);
  // `server.close()` waits for every open session: end them at close (a client may keep one open).
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    calls++;
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      const handle = forwarder.forward(
        {
          path: String(headers[":path"]),
          headers: runtimeRequestHeaders(headers, String(headers["mm-model-id"] ?? "")),
          body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
        },
        {
          onHeaders(h) {
            if (stream.destroyed) return;
            stream.respond(
              { ":status": 200, "content-type": h["content-type"] ?? "application/grpc" },
              { waitForTrailers: true },
            );
          },
          onData(chunk) {
            if (!stream.destroyed) stream.write(chunk);
          },
          onTrailers(trailers) {
            if (stream.destroyed) return;
            stream.once("wantTrailers", () =>
              stream.sendTrailers({ "grpc-status": trailers["grpc-status"] ?? "0" }),
            );
            stream.end();
          },
          onError(error) {
            if (stream.destroyed) return;
            if (stream.headersSent) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
            else
              stream.respond(
                {
                  ":status": 200,
                  "content-type": "application/grpc",
                  "grpc-status": "13",
                  "grpc-message": encodeURIComponent(error.message),
                },
                { endStream: true },
              );
          },
        },
      );
      stream.once("close", () => handle.cancel());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    calls: () => calls,
    async close() {
      forwarder.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      await closed;
    },
  };
}
