import { connect } from "node:http2";
import { freePort } from "@modelmesh/testkit/free-port";
import { afterEach, describe, expect, it } from "vitest";
import { type DualProtocolServer, listenDualProtocol } from "./dual-protocol.js";

let server: DualProtocolServer | undefined;
afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

async function start(): Promise<number> {
  const port = await freePort();
  server = await listenDualProtocol({
    port,
    host: "127.0.0.1",
    maxHeaderBytes: 8192,
    handler: (req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`${req.httpVersion} ${req.method} ${req.url}`);
    },
  });
  return port;
}

describe("listenDualProtocol()", () => {
  it("serves HTTP/1.1 on the port", async () => {
    const port = await start();
    const res = await fetch(`http://127.0.0.1:${port}/a?b=1`, { method: "POST", body: "x" });
    expect(await res.text()).toBe("1.1 POST /a?b=1");
  });

  it("serves HTTP/2 with prior knowledge on the same port", async () => {
    const port = await start();
    const session = connect(`http://127.0.0.1:${port}`);
    const stream = session.request({ ":method": "POST", ":path": "/svc/Method" });
    stream.end("body");
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    session.close();
    expect(Buffer.concat(chunks).toString()).toBe("2.0 POST /svc/Method");
  });

  it("rejects oversized HTTP/1.1 headers", async () => {
    const port = await start();
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { "x-big": "a".repeat(20_000) } });
    expect(res.status).toBe(431);
  });
});

describe("listenDualProtocol() protocol detection", () => {
  it("routes a request whose first segment is a single byte", async () => {
    const { Socket } = await import("node:net");
    const port = await start();
    const socket = new Socket();
    await new Promise<void>((resolve) => socket.connect(port, "127.0.0.1", resolve));
    const reply = new Promise<string>((resolve) => {
      let data = "";
      socket.on("data", (d) => {
        data += d.toString();
        if (data.includes("1.1 PUT /p")) resolve(data);
      });
    });
    socket.setNoDelay(true);
    socket.write("P");
    // Not waiting for a condition: the pause only makes the kernel send "P" as its own segment.
    await new Promise((r) => setTimeout(r, 20));
    socket.write("UT /p HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    expect(await reply).toContain("1.1 PUT /p");
    socket.destroy();
  });
});
