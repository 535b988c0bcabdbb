import { createServer, type Socket } from "node:net";
import { freePort } from "@modelmesh/testkit/free-port";
import { describe, expect, it } from "vitest";
import { connectEtcdStore } from "../src/index.js";

describe("connectEtcdStore()", () => {
  it("fails within 5 s with 'Problem connecting to etcd: <reason>' when etcd cannot be reached", async () => {
    // One endpoint refuses connections, the other swallows every byte (a black hole).
    const refusing = `127.0.0.1:${await freePort()}`;
    const held = new Set<Socket>();
    const blackHole = createServer((socket) => held.add(socket.on("error", () => undefined)));
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    const blackHolePort = (blackHole.address() as { port: number }).port;
    try {
      const started = Date.now();
      const results = await Promise.allSettled([
        connectEtcdStore({ connection: { endpoints: [refusing], rootPrefix: "" } }),
        connectEtcdStore({ connection: { endpoints: [`127.0.0.1:${blackHolePort}`], rootPrefix: "" } }),
      ]);
      expect(Date.now() - started).toBeLessThan(5_500);
      for (const result of results) {
        expect(result.status).toBe("rejected");
        const error = (result as PromiseRejectedResult).reason as { code: string; message: string };
        expect(error.code).toBe("STORE_UNAVAILABLE");
        expect(error.message).toMatch(/^Problem connecting to etcd: \S/);
      }
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });
});
