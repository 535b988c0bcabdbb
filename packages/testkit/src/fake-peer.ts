import { createServer, type Server, type Socket } from "node:net";

/**
 * How a {@link FakePeer} misbehaves: `garbage` answers every connection with bytes that are not
 * HTTP/2 (and keeps writing them as the client speaks); `hang` accepts connections and never
 * writes a byte, nor closes them.
 */
export type FakePeerBehaviour = "garbage" | "hang";

/** A TCP listener on loopback standing in for a broken mesh peer. */
export interface FakePeer {
  readonly behaviour: FakePeerBehaviour;
  readonly port: number;
  /** `127.0.0.1:<port>`, as an instance record's internal endpoint. */
  readonly endpoint: string;
  /** Connections accepted so far (each attempt of a client to reach it). */
  connections(): number;
  /** Bytes received so far, over every connection. */
  bytesReceived(): number;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Not HTTP/2: no connection preface reply, no SETTINGS frame, just noise. */
const GARBAGE = Buffer.from("HTTP/1.0 418 not a peer\r\n\r\n\u0000\u00ff\u0013garbage\u0000\u0007", "latin1");

/**
 * Starts a fake peer on a free loopback port: a socket a mesh instance can be pointed at (through
 * an instance record whose internal endpoint is {@link FakePeer.endpoint}) that either answers
 * garbage or hangs. It counts connections, so a test can check the mesh does not retry it forever.
 */
export async function startFakePeer(behaviour: FakePeerBehaviour): Promise<FakePeer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let bytes = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // A peer that resets or closes must not crash the test process.
    socket.on("error", () => sockets.delete(socket));
    socket.on("data", (chunk) => {
      bytes += chunk.length;
      if (behaviour === "garbage" && !socket.destroyed) socket.write(GARBAGE);
    });
    if (behaviour === "garbage") socket.write(GARBAGE);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake peer has no TCP address");
  const port = address.port;
  return {
    behaviour,
    port,
    endpoint: `127.0.0.1:${port}`,
    connections: () => connections,
    bytesReceived: () => bytes,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
