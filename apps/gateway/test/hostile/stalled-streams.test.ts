import type * as http2 from "node:http2";
import { constants } from "node:http2";
import { freePort } from "@modelmesh/testkit/free-port";
import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { callHeaders, connect, sizedAnswerRequest, unaryCall } from "@modelmesh/testkit/relay-client";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerLoaded } from "../support.js";
import { MiB, rssBytes, settledRssBytes, waitForQuiet } from "./process-memory.js";

// Clients that do not read their answers, and clients that never finish sending their request.
// The limits are small here; their defaults are a minute (MM_STREAM_STALL_TIMEOUT_MS,
// MM_REQUEST_BODY_TIMEOUT_MS) and 8 MiB (MM_STREAM_WINDOW_BYTES).
const stallTimeoutMs = 5000;
const bodyTimeoutMs = 1500;
const windowBytes = 128 * 1024;

afterAll(stopAllProcesses);

/** `promise`, or a rejection naming `what` once `timeoutMs` has passed without it settling. */
function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** A stalled reader: a connection whose streams get a receive window of 0, and calls on it that nobody reads. */
interface StalledCalls {
  readonly session: http2.ClientHttp2Session;
  readonly streams: http2.ClientHttp2Stream[];
  /** Response headers received so far: the gateway had the runtime's first answer bytes. */
  responses(): number;
  /** Streams closed so far, with their RST_STREAM codes. */
  readonly closed: number[];
}

function openStalledCalls(port: number, modelId: string, count: number, answerBytes: number): StalledCalls {
  const session = connect(port, { initialWindowSize: 0 });
  let responses = 0;
  const closed: number[] = [];
  const streams = Array.from({ length: count }, () => {
    const stream = session.request(callHeaders(modelId));
    stream.on("response", () => responses++);
    stream.on("error", () => {});
    stream.on("close", () => closed.push(stream.rstCode ?? -1));
    stream.end(sizedAnswerRequest(answerBytes));
    return stream;
  });
  return { session, streams, responses: () => responses, closed };
}

describe("stalled readers and unfinished request bodies", () => {
  let mesh: TestMesh;
  let internalPort: number;
  const modelId = "stalled-echo";

  beforeAll(async () => {
    internalPort = await freePort();
    mesh = await startMesh({
      name: "stalled-streams",
      env: {
        MM_STREAM_STALL_TIMEOUT_MS: String(stallTimeoutMs),
        MM_REQUEST_BODY_TIMEOUT_MS: String(bodyTimeoutMs),
        MM_STREAM_WINDOW_BYTES: String(windowBytes),
        MM_INTERNAL_GRPC_PORT: String(internalPort),
      },
    });
    await registerLoaded(mesh, modelId);
  });
  afterAll(async () => {
    expect(await mesh.stop()).toBe(0);
  });

  /** A 10 KiB call from a client that reads: it must be answered whole while others stall. */
  async function otherClientServed(): Promise<void> {
    const session = connect(mesh.port);
    try {
      const outcome = await unaryCall(
        session,
        callHeaders(modelId),
        sizedAnswerRequest(10 * 1024),
        10 * 1024,
      );
      expect(outcome, "a reading client's call while others stall").toMatchObject({
        status: "0",
        complete: true,
      });
    } finally {
      session.close();
    }
  }

  it("holds at most about the stream window per stalled reader, and serves other clients meanwhile", async () => {
    const before = await settledRssBytes(mesh.gateway.pid);
    const stalled = openStalledCalls(mesh.port, modelId, 50, 2 * MiB);
    try {
      await waitUntil(() => stalled.responses() === 50, {
        timeoutMs: 60_000,
        description: "the answers of 50 stalled calls to start",
      });
      await waitForQuiet(mesh.gateway.pid);
      // 50 answers of 2 MiB: with a 128 KiB window about 8 MiB may wait here, not 100 MiB.
      const heldMiB = (rssBytes(mesh.gateway.pid) - before) / MiB;
      expect(heldMiB, "RSS held for 50 stalled 2 MiB answers (MiB)").toBeLessThan(40);
      await otherClientServed();
    } finally {
      stalled.session.destroy();
    }
  });

  it("frees what stalled readers held once they disconnect", { timeout: 300_000 }, async () => {
    // Four rounds of 100 stalled 1 MiB answers, each ended by the client disconnecting: what a
    // round held must be free for the next, so RSS stops growing after the first.
    const rss: number[] = [];
    for (let round = 0; round < 4; round++) {
      const stalled = openStalledCalls(mesh.port, modelId, 100, MiB);
      await waitUntil(() => stalled.responses() === 100, {
        timeoutMs: 60_000,
        description: "the answers of 100 stalled calls to start",
      });
      await waitForQuiet(mesh.gateway.pid);
      if (round === 0) await otherClientServed();
      stalled.session.destroy();
      await waitForQuiet(mesh.gateway.pid);
      rss.push(await settledRssBytes(mesh.gateway.pid));
    }
    const growthMiB = ((rss[3] ?? 0) - (rss[0] ?? 0)) / MiB;
    expect(growthMiB, "RSS growth from round 1 to round 4 (MiB)").toBeLessThanOrEqual(64);
  });

  /** Relays that gave up on a stalled client so far (each reset the client and cancelled the runtime call). */
  const stallResets = () =>
    mesh
      .logs()
      .filter((line) => String(line.reason ?? "").includes(`took no response bytes for ${stallTimeoutMs} ms`))
      .length;

  it("resets a stalled reader's stream after the stall limit, whether the answer is in flight or complete", async () => {
    const resetsBefore = stallResets();
    const startedMs = Date.now();
    // 1 MiB answers stop the relay mid-answer (its runtime call is cancelled at the reset); 10 KiB
    // answers are complete and wait for the client as a whole.
    const large = openStalledCalls(mesh.port, modelId, 20, MiB);
    const small = openStalledCalls(mesh.port, modelId, 20, 10 * 1024);
    try {
      await waitUntil(() => large.closed.length === 20 && small.closed.length === 20, {
        timeoutMs: 60_000,
        description: "40 stalled streams to be reset",
      });
      expect(Date.now() - startedMs, "the resets came after the stall limit").toBeGreaterThanOrEqual(
        stallTimeoutMs,
      );
      const codes = new Set([...large.closed, ...small.closed]);
      expect(codes, "RST_STREAM codes").toEqual(new Set([constants.NGHTTP2_CANCEL]));
      await waitUntil(() => stallResets() - resetsBefore === 20, {
        timeoutMs: 10_000,
        description: "20 relays to log that they reset a stalled client and cancelled the runtime call",
      });
    } finally {
      large.session.destroy();
      small.session.destroy();
    }
    await otherClientServed();
  });

  /** Sends the headers and part of one message, then nothing; resolves with how the stream ended. */
  function unfinishedBody(port: number, headers: http2.OutgoingHttpHeaders) {
    const session = connect(port);
    const stream = session.request(headers);
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(100, 1);
    stream.write(Buffer.concat([prefix, Buffer.alloc(10)]));
    return new Promise<{ status: unknown; message: unknown; rstCode: number | undefined }>((resolve) => {
      let status: unknown;
      let message: unknown;
      stream.on("response", (h) => {
        status = h["grpc-status"];
        message = h["grpc-message"];
      });
      stream.on("error", () => {});
      stream.on("close", () => {
        session.close();
        resolve({ status, message, rstCode: stream.rstCode });
      });
    });
  }

  it("ends a call whose request body never completes with DEADLINE_EXCEEDED, on the serving and peer ports", async () => {
    const expected = {
      status: "4",
      message: `request body not complete within ${bodyTimeoutMs} ms`,
      rstCode: constants.NGHTTP2_NO_ERROR,
    };
    const serving = unfinishedBody(mesh.port, callHeaders(modelId));
    const peer = unfinishedBody(internalPort, {
      ...callHeaders(modelId),
      "mm-internal-model-id": modelId,
      "mm-internal-hop": "hit_only",
    });
    const [servingEnd, peerEnd] = await within(
      Promise.all([serving, peer]),
      30_000,
      "the unfinished request bodies to be answered",
    );
    expect(servingEnd, "serving port").toEqual(expected);
    expect(peerEnd, "peer port").toEqual(expected);
    expect(mesh.gateway.hasExited()).toBe(false);
    expect(await mesh.probe("/live")).toBe(200);
    await otherClientServed();
  });
});
