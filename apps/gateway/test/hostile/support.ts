import { readdirSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { PredictRequestSchema } from "@modelmesh/proto";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, expect } from "vitest";
import { registerLoaded } from "../support.js";

/** The model every hostile test calls to show that normal clients are still served. */
export const HEALTH_MODEL = "hostile-health";

/** Registers {@link HEALTH_MODEL} (a small echo model, loaded). */
export function registerHealthModel(mesh: TestMesh): Promise<void> {
  return registerLoaded(mesh, HEALTH_MODEL);
}

/**
 * One gateway (and its example runtime) for a test file: started before its tests with `env` on
 * top of the test defaults, with {@link HEALTH_MODEL} registered, handed to `started`, and stopped
 * after them (a clean exit expected, then every child process stopped).
 */
export function useHostileMesh(
  env: () => Promise<Record<string, string>> | Record<string, string>,
  started: (mesh: TestMesh) => void,
): void {
  let mesh: TestMesh | undefined;
  afterAll(stopAllProcesses);
  beforeAll(async () => {
    mesh = await startMesh({ env: await env() });
    await registerHealthModel(mesh);
    started(mesh);
  });
  afterAll(async () => {
    if (mesh !== undefined) expect(await mesh.stop()).toBe(0);
  });
}

/**
 * The gateway process is alive, a real gRPC inference call through the mesh succeeds and
 * `/ready` answers 200.
 */
export async function expectServing(mesh: TestMesh): Promise<void> {
  expect(mesh.gateway.hasExited(), `gateway exited:\n${mesh.gateway.output()}`).toBe(false);
  const answer = await mesh.predictor.predict(
    { text: "still there?" },
    { headers: modelHeader(HEALTH_MODEL) },
  );
  expect(answer.results[0]?.category).toBe(`classification for still there? by model ${HEALTH_MODEL}`);
  expect(await mesh.probe("/ready")).toBe(200);
}

/** Open file descriptors of the gateway process. */
export function gatewayFds(mesh: TestMesh): number {
  return readdirSync(`/proc/${mesh.gateway.pid}/fd`).length;
}

/** A gRPC `PredictRequest` message body (without the 5-byte frame prefix). */
export function predictBody(text: string): Buffer {
  return Buffer.from(toBinary(PredictRequestSchema, create(PredictRequestSchema, { text })));
}

/** A plain TCP connection to loopback `port` that records whether the server closed it. */
export interface PlainSocket {
  readonly socket: Socket;
  closed(): boolean;
  /** Everything the server sent, as text. */
  received(): string;
}

/** Connects to `port`; errors are kept on the socket, never thrown. */
export function plainConnect(port: number): Promise<PlainSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", noDelay: true });
    let isClosed = false;
    let text = "";
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
    });
    socket.on("close", () => {
      isClosed = true;
    });
    socket.once("connect", () => resolve({ socket, closed: () => isClosed, received: () => text }));
    socket.once("error", reject);
  });
}

/**
 * Writes `bytes` one byte every `intervalMs` until all are sent or the server closed the
 * connection; returns how many were sent. Bounded by the length of `bytes`.
 */
export async function trickle(conn: PlainSocket, bytes: Buffer, intervalMs: number): Promise<number> {
  let sent = 0;
  while (sent < bytes.length && !conn.closed()) {
    conn.socket.write(bytes.subarray(sent, sent + 1));
    sent++;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return sent;
}

/** Waits until the server has closed `conn` (generous deadline for a loaded machine). */
export function closedByServer(conn: { closed(): boolean }, what: string, timeoutMs = 15_000): Promise<true> {
  return waitUntil(() => conn.closed(), { timeoutMs, intervalMs: 20, description: what });
}
