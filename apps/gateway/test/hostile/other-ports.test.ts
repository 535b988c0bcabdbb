import { freePort } from "@modelmesh/testkit/free-port";
import type { TestMesh } from "@modelmesh/testkit/mesh";
import { describe, expect, it } from "vitest";
import { grpcRequestHeaders, H2Error, handshaken, headers, PREFACE } from "./h2-frames.js";
import { closedByServer, expectServing, plainConnect, trickle, useHostileMesh } from "./support.js";

// The peer port, the probe port and the pre-stop port under the attacks of the serving port.

const HANDSHAKE_MS = 1000;
const IDLE_MS = 1500;

let mesh: TestMesh;
let peerPort: number;
useHostileMesh(
  async () => {
    peerPort = await freePort();
    return {
      MM_CONN_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_MS),
      MM_CONN_IDLE_TIMEOUT_MS: String(IDLE_MS),
      MM_INTERNAL_GRPC_PORT: String(peerPort),
    };
  },
  (started) => {
    mesh = started;
  },
);

// Partial frames cannot be observed arriving: give the server a moment before the RST.
const letServerRead = () => new Promise((resolve) => setTimeout(resolve, 50));

/** The peer port still completes an HTTP/2 handshake. */
async function expectPeerPortServing(): Promise<void> {
  const conn = await handshaken(peerPort);
  conn.socket.destroy();
}

/** The pre-stop port still answers (a path other than /prestop, which blocks). */
async function expectPrestopServing(): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${mesh.prestopPort}/other`);
  expect(response.status).toBe(404);
}

describe("the internal peer port", () => {
  const peerPath = "/mmesh.MeshPeerService/modelStatus";
  it.each([
    ["before sending anything", async () => plainConnect(peerPort)],
    [
      "after a partial preface",
      async () => {
        const conn = await plainConnect(peerPort);
        conn.socket.write("PRI * HTTP/2.0\r\n");
        await letServerRead();
        return conn;
      },
    ],
    ["after SETTINGS", () => handshaken(peerPort)],
    [
      "mid-HEADERS",
      async () => {
        const conn = await handshaken(peerPort);
        const whole = headers(1, grpcRequestHeaders(peerPath));
        conn.write(whole.subarray(0, Math.floor(whole.length / 2)));
        await letServerRead();
        return conn;
      },
    ],
    [
      "mid-request in HTTP/1.1",
      async () => {
        const conn = await plainConnect(peerPort);
        conn.socket.write("POST / HTTP/1.1\r\nHost: x\r\n");
        await letServerRead();
        return conn;
      },
    ],
  ] as const)("survives a TCP reset %s", async (_where, open) => {
    for (let i = 0; i < 3; i++) (await open()).socket.resetAndDestroy();
    await expectPeerPortServing();
    await expectServing(mesh);
  });

  it("cuts off a preface sent a byte at a time at the handshake deadline", async () => {
    const conn = await plainConnect(peerPort);
    const sent = await trickle(conn, PREFACE, 100);
    await closedByServer(conn, "the peer port closing the slow preface");
    expect(sent).toBeLessThan(PREFACE.length);
    await expectServing(mesh);
  });

  it("closes an idle connection with GOAWAY", async () => {
    const conn = await handshaken(peerPort);
    await closedByServer(conn, "the idle peer connection closed");
    expect(conn.goawayCode()).toBe(H2Error.NO_ERROR);
    await expectPeerPortServing();
  });
});

describe("the probe and pre-stop ports", () => {
  const ports = () =>
    [
      ["probe", mesh.probePort],
      ["pre-stop", mesh.prestopPort],
    ] as const;

  it("survive TCP resets before a request, mid-headers and mid-body", async () => {
    for (const [, port] of ports()) {
      for (const bytes of [
        "",
        "GET /ready HTTP/1.1\r\nHo",
        "POST /ready HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nab",
      ]) {
        for (let i = 0; i < 3; i++) {
          const conn = await plainConnect(port);
          if (bytes !== "") {
            conn.socket.write(bytes);
            await letServerRead();
          }
          conn.socket.resetAndDestroy();
        }
      }
    }
    await expectPrestopServing();
    await expectServing(mesh);
  });

  it("answer headers sent a byte at a time with 408 at the handshake deadline", async () => {
    for (const [name, port] of ports()) {
      const conn = await plainConnect(port);
      const request = Buffer.from(`GET /ready HTTP/1.1\r\nHost: x\r\nx-pad: ${"p".repeat(100)}\r\n\r\n`);
      const sent = await trickle(conn, request, 50);
      await closedByServer(conn, `the ${name} port closing the trickled headers`);
      expect(sent, name).toBeLessThan(request.length);
      expect(conn.received(), name).toMatch(/^HTTP\/1\.1 408/);
    }
    await expectPrestopServing();
    await expectServing(mesh);
  });
});
