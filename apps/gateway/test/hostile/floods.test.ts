import * as http2 from "node:http2";
import { modelHeader, type TestMesh } from "@modelmesh/testkit/mesh";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { describe, expect, it } from "vitest";
import { grpcMessage, handshaken, type RawH2 } from "./h2-frames.js";
import {
  expectServing,
  gatewayFds,
  HEALTH_MODEL,
  type PlainSocket,
  plainConnect,
  predictBody,
  useHostileMesh,
} from "./support.js";

const HANDSHAKE_MS = 2000;
const IDLE_MS = 3000;
const MAX_CONNECTIONS = 100;

let mesh: TestMesh;
useHostileMesh(
  () => ({
    MM_CONN_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_MS),
    MM_CONN_IDLE_TIMEOUT_MS: String(IDLE_MS),
    MM_CONN_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
  }),
  (started) => {
    mesh = started;
  },
);

/** One gRPC predict on an open session; resolves with its grpc-status. */
function predictOn(session: http2.ClientHttp2Session): Promise<string | undefined> {
  return new Promise((resolve) => {
    const stream = session.request({
      ":method": "POST",
      ":path": "/mmesh.ExamplePredictor/predict",
      "content-type": "application/grpc",
      te: "trailers",
      ...modelHeader(HEALTH_MODEL),
    });
    let status: string | undefined;
    stream.on("trailers", (t) => {
      status = t["grpc-status"] as string | undefined;
    });
    stream.on("data", () => {});
    stream.on("error", () => {});
    stream.on("close", () => resolve(status));
    stream.end(grpcMessage(predictBody("through the flood")));
  });
}

describe("idle floods", () => {
  it("closes many idle connections (silent and idle HTTP/2) and the gateway's descriptors return", async () => {
    await expectServing(mesh);
    const before = gatewayFds(mesh);
    const silent: PlainSocket[] = [];
    const idle: RawH2[] = [];
    for (let i = 0; i < 30; i++) silent.push(await plainConnect(mesh.port));
    for (let i = 0; i < 30; i++) idle.push(await handshaken(mesh.port));
    // The gateway holds them all for now (one descriptor each).
    expect(gatewayFds(mesh)).toBeGreaterThanOrEqual(before + 50);
    await waitUntil(() => [...silent, ...idle].every((c) => c.closed()), {
      timeoutMs: 30_000,
      description: "every idle connection closed by the gateway",
    });
    expect(idle.every((c) => c.goawayCode() !== undefined)).toBe(true);
    await waitUntil(() => gatewayFds(mesh) <= before + 2, {
      timeoutMs: 15_000,
      description: `the gateway's descriptors back to ${before} (+2)`,
    });
    await expectServing(mesh);
  });
});

describe("connection cap", () => {
  it("closes connections over MM_CONN_MAX_CONNECTIONS at once and keeps serving the open ones", async () => {
    // An established client connection, opened before the flood.
    const keeper = http2.connect(mesh.baseUrl);
    keeper.on("error", () => {});
    expect(await predictOn(keeper)).toBe("0");
    const extra = 30;
    const flood: { conn: PlainSocket; openedAt: number; closedAt?: number }[] = [];
    for (let i = 0; i < MAX_CONNECTIONS + extra; i++) {
      const conn = await plainConnect(mesh.port);
      const entry: { conn: PlainSocket; openedAt: number; closedAt?: number } = {
        conn,
        openedAt: Date.now(),
      };
      conn.socket.once("close", () => {
        entry.closedAt = Date.now();
      });
      flood.push(entry);
    }
    // Over the cap: closed as soon as accepted, long before the handshake deadline closes the
    // others (which a slow machine may reach while the test runs).
    const atOnce = (e: (typeof flood)[number]) =>
      e.closedAt !== undefined && e.closedAt - e.openedAt < HANDSHAKE_MS / 2;
    await waitUntil(() => flood.filter(atOnce).length >= extra, {
      timeoutMs: 10_000,
      description: "connections over the cap closed",
    });
    // None of the first ones (within the cap, less the test's own connections) was refused.
    expect(flood.slice(0, MAX_CONNECTIONS - 5).filter(atOnce)).toHaveLength(0);
    // The process keeps serving connections it holds.
    expect(await predictOn(keeper)).toBe("0");
    for (const { conn } of flood) conn.socket.destroy();
    keeper.close();
    await expectServing(mesh);
  });
});
