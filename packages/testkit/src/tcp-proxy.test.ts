import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy } from "./tcp-proxy.js";
import { waitUntil } from "./wait-until.js";

let echo: Server;
let echoPort: number;
const sockets = new Set<Socket>();
beforeAll(async () => {
  echo = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoPort = (echo.address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

/** A client connection that collects what it receives. */
function open(port: number): { socket: Socket; received: () => string; closed: () => boolean } {
  const socket = connect(port, "127.0.0.1");
  sockets.add(socket);
  let data = "";
  let closed = false;
  socket.on("data", (chunk) => {
    data += chunk.toString();
  });
  socket.on("error", () => undefined);
  socket.on("close", () => {
    closed = true;
  });
  return { socket, received: () => data, closed: () => closed };
}

describe("startTcpProxy()", () => {
  it("passes, delays in order, drops silently and cuts connections", async () => {
    const proxy = await startTcpProxy({ targetPort: echoPort });
    const client = open(proxy.port);
    client.socket.write("a");
    await waitUntil(() => client.received() === "a");

    proxy.delay(150);
    const sentAt = Date.now();
    client.socket.write("b");
    // "b" reached the proxy: still held back, or (on a busy machine) already released.
    await waitUntil(() => proxy.queuedChunks() > 0 || client.received() === "ab");
    proxy.pass();
    client.socket.write("c");
    await waitUntil(() => client.received() === "abc");
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(140);

    proxy.drop();
    client.socket.write("lost");
    await waitUntil(() => proxy.droppedBytes() === 4);
    expect(client.closed()).toBe(false);
    proxy.pass(); // a connection that lost bytes is broken: healing resets it
    await waitUntil(() => client.closed());
    expect(client.received()).toBe("abc");

    const second = open(proxy.port);
    second.socket.write("d");
    await waitUntil(() => second.received() === "d");
    proxy.cut();
    await waitUntil(() => second.closed());
    const refused = open(proxy.port);
    await waitUntil(() => refused.closed());
    expect(refused.received()).toBe("");

    proxy.pass();
    const again = open(proxy.port);
    again.socket.write("e");
    await waitUntil(() => again.received() === "e");
    expect(proxy.connections()).toBe(1);
    await proxy.close();
    await waitUntil(() => again.closed());
  });
});
