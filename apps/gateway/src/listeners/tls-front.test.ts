import { X509Certificate } from "node:crypto";
import { connect as connectHttp2 } from "node:http2";
import { request as httpsRequest } from "node:https";
import { Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { createTestCa, type TestCertFiles, type TestCertificateAuthority } from "@modelmesh/testkit/certs";
import { freePort } from "@modelmesh/testkit/free-port";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DualProtocolServer, listenDualProtocol } from "./dual-protocol.js";
import type { ServingTls } from "./tls-front.js";

let ca: TestCertificateAuthority;
let first: TestCertFiles;
let second: TestCertFiles;
let server: DualProtocolServer | undefined;

beforeAll(() => {
  ca = createTestCa("listener-ca");
  first = ca.issue({ name: "first" });
  second = ca.issue({ name: "second" });
});
afterAll(() => ca.remove());
afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

/** TLS material that the test swaps by hand. */
function swappable(): ServingTls & { swap(cert: TestCertFiles): void } {
  let current = first;
  const listeners = new Set<() => void>();
  return {
    clientAuth: "NONE",
    current: () => ({ cert: current.cert, key: current.key }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    swap(cert) {
      current = cert;
      for (const listener of listeners) listener();
    },
  };
}

async function start(
  tls: ServingTls,
  limits = { handshakeTimeoutMs: 300, maxConnections: 3 },
): Promise<number> {
  const port = await freePort();
  server = await listenDualProtocol({
    port,
    host: "127.0.0.1",
    maxHeaderBytes: 8192,
    limits: { idleTimeoutMs: 60_000, maxConcurrentStreams: 100, ...limits },
    tls,
    handler: (req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`${req.httpVersion} ${req.method} ${req.url}`);
    },
  });
  return port;
}

function http1(
  port: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port,
        path: "/a",
        method: "POST",
        ca: ca.root.cert,
        servername: "localhost",
        headers,
      },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end("x");
  });
}

async function http2Call(session: ReturnType<typeof connectHttp2>): Promise<string> {
  const stream = session.request({ ":method": "POST", ":path": "/svc/Method" });
  stream.end("body");
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

const serialOf = (cert: TestCertFiles) => new X509Certificate(cert.cert).serialNumber;

function presented(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: "127.0.0.1", port, ca: ca.root.cert, servername: "localhost" }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.on("error", reject);
  });
}

describe("listenDualProtocol() with TLS", () => {
  it("serves HTTP/2 (ALPN h2) and HTTP/1.1 (ALPN http/1.1) on one port", async () => {
    const port = await start(swappable());
    const session = connectHttp2(`https://localhost:${port}`, { ca: ca.root.cert });
    expect(await http2Call(session)).toBe("2.0 POST /svc/Method");
    session.close();
    expect(await http1(port)).toEqual({ status: 200, body: "1.1 POST /a" });
  });

  it("keeps the limits: oversized HTTP/1.1 headers, handshake deadline, connection cap", async () => {
    const port = await start(swappable());
    expect((await http1(port, { "x-big": "a".repeat(20_000) })).status).toBe(431);
    // A client that connects and never starts the handshake is cut off at the deadline.
    const silent = new Socket();
    const closed = new Promise<number>((resolve) => {
      const startMs = Date.now();
      silent.on("close", () => resolve(Date.now() - startMs));
    });
    silent.on("error", () => {});
    silent.connect(port, "127.0.0.1");
    expect(await closed).toBeLessThan(5000);
    // Beyond the cap of 3 open connections the next one is closed at once.
    const held = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<Socket>((resolve) => {
            const s = new Socket();
            s.on("error", () => {});
            s.connect(port, "127.0.0.1", () => resolve(s));
          }),
      ),
    );
    await expect(presented(port)).rejects.toThrow();
    for (const s of held) s.destroy();
  });

  it("uses new material for new handshakes while open connections keep working", async () => {
    const tls = swappable();
    const port = await start(tls, { handshakeTimeoutMs: 5000, maxConnections: 100 });
    expect(await presented(port)).toBe(serialOf(first));
    const open = connectHttp2(`https://localhost:${port}`, { ca: ca.root.cert });
    expect(await http2Call(open)).toBe("2.0 POST /svc/Method");
    tls.swap(second);
    expect(await presented(port)).toBe(serialOf(second));
    expect(await http2Call(open)).toBe("2.0 POST /svc/Method");
    open.close();
  });
});
