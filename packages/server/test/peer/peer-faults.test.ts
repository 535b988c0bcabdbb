import * as http2 from "node:http2";
import * as net from "node:net";
import { MeshError } from "@modelmesh/core";
import { freePort } from "@modelmesh/testkit/free-port";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodeContextHeaders } from "../../src/peer/context-headers.js";
import { PeerClient, type PeerRef } from "../../src/peer/peer-client.js";
import { PeerDirectory } from "../../src/peer/peer-directory.js";
import { errorTrailerNames } from "../../src/peer/peer-errors.js";
import type { PeerStatusRequest } from "../../src/peer/types.js";
import { aborted, contextFor, forwardFailure, frame, instanceRecordAt, startPeer } from "./support.js";

const path = "/mmesh.ExamplePredictor/predict";
const statusRequest: PeerStatusRequest = {
  context: contextFor("m"),
  load: false,
  sync: false,
  lastUsedMs: 0,
  excludeInstances: [],
};

function refAt(instanceId: string, port: number): PeerRef {
  return { instanceId, record: instanceRecordAt(`127.0.0.1:${port}`) };
}

function forwardRequest(deadlineMs?: number) {
  return {
    path,
    headers: {},
    body: frame(Buffer.from("x")),
    context: contextFor("m"),
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
  };
}

async function statusFailure(client: PeerClient, peer: PeerRef, deadlineMs?: number): Promise<MeshError> {
  try {
    await client.modelStatus(peer, statusRequest, deadlineMs === undefined ? {} : { deadlineMs });
  } catch (error) {
    if (error instanceof MeshError) return error;
    throw error;
  }
  throw new Error("the status call succeeded");
}

/** A TCP server that accepts connections and does `onSocket` with each (garbage, silence). */
async function rawServer(
  onSocket: (socket: net.Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTTP/2 server that is not a mesh peer: answers every stream with `answer`. */
async function impostor(answer: (stream: http2.ServerHttp2Stream) => void) {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.on("stream", (stream) => {
    stream.on("error", () => undefined);
    stream.resume();
    answer(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const session of sessions) session.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("peer faults: hanging, garbage and dead peers (real sockets)", () => {
  let directory: PeerDirectory;
  let client: PeerClient;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(() => {
    directory = new PeerDirectory();
    client = new PeerClient({ directory });
  });
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });
  afterAll(() => directory.close());

  it("bounds a peer whose handler hangs by the deadline, and cancels that handler", async () => {
    const peer = await startPeer("hanging");
    cleanups.push(() => peer.server.close());
    let forwardReason: unknown;
    peer.handler.onForward = async (call) => {
      // Never answers; only notes that the sender gave up.
      void aborted(call.signal).then((r) => {
        forwardReason = r;
      });
      await new Promise(() => undefined);
    };
    peer.handler.onStatus = () => new Promise(() => undefined);
    const forwarded = await forwardFailure(client, peer.ref, forwardRequest(Date.now() + 300));
    expect([forwarded.error.code, forwarded.started]).toEqual(["DEADLINE_EXCEEDED", false]);
    await waitUntil(() => forwardReason !== undefined, {
      description: "the hanging handler to see the abort",
    });
    expect((await statusFailure(client, peer.ref, Date.now() + 300)).code).toBe("DEADLINE_EXCEEDED");
  });

  it("enforces the deadline on the receiving side too (grpc-timeout alone)", async () => {
    const peer = await startPeer("receiver-deadline");
    cleanups.push(() => peer.server.close());
    peer.handler.onForward = async (call) => {
      // A well-behaved handler: it stops when its signal aborts, with the signal's reason.
      throw await aborted(call.signal);
    };
    const connection = directory.connectionFor(peer.ref.instanceId, peer.ref.record);
    if (!connection.ok) throw connection.error;
    // The sender arms no timer of its own here: only the peer can end the call.
    const error = await new Promise<MeshError>((resolve, reject) => {
      connection.value.forwarder.forward(
        {
          path,
          headers: { ...encodeContextHeaders(contextFor("m")), "grpc-timeout": "200m" },
          body: frame(Buffer.from("t")),
        },
        {
          onHeaders() {},
          onData() {},
          onTrailers: () => reject(new Error("unexpected success")),
          onError: resolve,
        },
      );
    });
    expect(error.code).toBe("DEADLINE_EXCEEDED");
    expect(error.message).toBe("forwarded call deadline exceeded");
  });

  it("bounds a peer that accepts the connection but never speaks HTTP/2", async () => {
    const silent = await rawServer(() => undefined);
    cleanups.push(() => silent.close());
    const peer = refAt("silent", silent.port);
    const forwarded = await forwardFailure(client, peer, forwardRequest(Date.now() + 300));
    expect(forwarded.error.code).toBe("DEADLINE_EXCEEDED");
    expect((await statusFailure(client, peer, Date.now() + 300)).code).toBe("DEADLINE_EXCEEDED");
  });

  it("fails clearly and retryably on a peer that answers garbage bytes", async () => {
    const garbage = await rawServer((socket) =>
      socket.end("HTTP/1.1 200 OK\r\n\r\nthis is not http/2 at all"),
    );
    cleanups.push(() => garbage.close());
    const peer = refAt("garbage", garbage.port);
    const forwarded = await forwardFailure(client, peer, forwardRequest(Date.now() + 10_000));
    expect(forwarded.error.code).toBe("INSTANCE_UNAVAILABLE");
    expect(forwarded.error.retryable).toBe(true);
    expect(forwarded.error.message).toMatch(/garbage|127\.0\.0\.1/);
    expect(forwarded.error.details.instanceId).toBe("garbage");
    const status = await statusFailure(client, peer, Date.now() + 10_000);
    expect(status.code).toBe("INSTANCE_UNAVAILABLE");
    expect(status.details.instanceId).toBe("garbage");
  });

  const foreignAnswers: [string, (stream: http2.ServerHttp2Stream) => void, RegExp][] = [
    [
      "an HTTP 404",
      (stream) => stream.respond({ ":status": 404 }, { endStream: true }),
      /not a mesh peer error/,
    ],
    [
      "a gRPC error without an error kind",
      (stream) =>
        stream.respond(
          { ":status": 200, "content-type": "application/grpc", "grpc-status": "13", "grpc-message": "oops" },
          { endStream: true },
        ),
      /INTERNAL: oops \(not a mesh peer error\)/,
    ],
    [
      "an unknown error kind",
      (stream) =>
        stream.respond(
          {
            ":status": 200,
            "content-type": "application/grpc",
            "grpc-status": "13",
            "grpc-message": "odd",
            [errorTrailerNames.kind]: "banana",
          },
          { endStream: true },
        ),
      /unknown error kind "banana"/,
    ],
    [
      "trailers without a status",
      (stream) => {
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "x-nothing": "1" }));
        stream.end();
      },
      /trailers without grpc-status/,
    ],
  ];
  for (const [name, answer, message] of foreignAnswers) {
    it(`turns ${name} from a non-peer into a clear INTERNAL error naming the peer`, async () => {
      const server = await impostor(answer);
      cleanups.push(() => server.close());
      const { error, started } = await forwardFailure(
        client,
        refAt("impostor", server.port),
        forwardRequest(),
      );
      expect([error.code, started]).toEqual(["INTERNAL", false]);
      expect(error.message).toMatch(message);
      expect(error.message).toContain("impostor");
    });
  }

  it("reports a malformed status answer as INTERNAL", async () => {
    const server = await impostor((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      // A length-prefixed message whose bytes are not a ModelStatusResponse.
      stream.end(frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])));
    });
    cleanups.push(() => server.close());
    const error = await statusFailure(client, refAt("impostor", server.port));
    expect(error.code).toBe("INTERNAL");
    expect(error.message).toMatch(/peer impostor .* sent a malformed answer/);
  });

  it("fails retryably with INSTANCE_UNAVAILABLE when nothing listens", async () => {
    const peer = refAt("dead", await freePort());
    const forwarded = await forwardFailure(client, peer, forwardRequest());
    expect([forwarded.error.code, forwarded.error.retryable, forwarded.started]).toEqual([
      "INSTANCE_UNAVAILABLE",
      true,
      false,
    ]);
    expect(forwarded.error.details.instanceId).toBe("dead");
    const status = await statusFailure(client, peer);
    expect([status.code, status.retryable, status.details.instanceId]).toEqual([
      "INSTANCE_UNAVAILABLE",
      true,
      "dead",
    ]);
    expect(client.traffic.inFlight("dead")).toBe(0);
  });

  it("fails retryably when the peer dies in the middle of a call", async () => {
    const peer = await startPeer("dying");
    let arrived = false;
    peer.handler.onForward = () => {
      arrived = true;
      return new Promise(() => undefined);
    };
    const failure = forwardFailure(client, peer.ref, forwardRequest());
    await waitUntil(() => arrived, { description: "the call to reach the peer" });
    await peer.server.close();
    const { error } = await failure;
    expect([error.code, error.retryable, error.details.instanceId]).toEqual([
      "INSTANCE_UNAVAILABLE",
      true,
      "dying",
    ]);
  });

  it("fails at once when the deadline has already passed", async () => {
    const { error } = await forwardFailure(client, refAt("any", 1), forwardRequest(Date.now() - 1));
    expect(error.code).toBe("DEADLINE_EXCEEDED");
  });
});
