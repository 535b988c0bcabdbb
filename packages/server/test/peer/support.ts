import type { IncomingHttpHeaders } from "node:http2";
import { type InstanceRecord, MeshError, type ModelStatusDetails, noExtraFields } from "@modelmesh/core";
import { endWithTrailers } from "../../src/inference/grpc-response.js";
import type { PeerClient, PeerForwardRequest, PeerRef } from "../../src/peer/peer-client.js";
import { listenPeerServer, type PeerServer } from "../../src/peer/peer-server.js";
import type { PeerRoutingContext } from "../../src/peer/routing-context.js";
import type {
  ForwardedInference,
  PeerCallScope,
  PeerHandler,
  PeerStatusRequest,
} from "../../src/peer/types.js";

/** A minimal instance record whose internal endpoint is `endpoint`. */
export function instanceRecordAt(endpoint: string): InstanceRecord {
  return {
    startTimeMs: 0,
    version: 1,
    labels: [],
    lruTimeMs: 0,
    count: 0,
    capacityUnits: 100,
    usedUnits: 0,
    loadingThreads: 1,
    loadsInProgress: 0,
    rpm: 0,
    shutdown: false,
    internalEndpoint: endpoint,
    extra: noExtraFields,
  };
}

/** Frames one message with the gRPC length prefix. */
export function frame(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** Deterministic pseudo-random bytes (no CPU-heavy crypto in tests). */
export function patternBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A routing context for tests. */
export function contextFor(modelId: string, extra: Partial<PeerRoutingContext> = {}): PeerRoutingContext {
  return {
    modelId,
    hop: "hit_only",
    cacheHitExcludes: [],
    cacheMissExcludes: [],
    chainLoadCount: 0,
    weight: 1,
    ...extra,
  };
}

/** Reads a forwarded call's whole request body (raw bytes as received). */
export async function readBody(call: ForwardedInference): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of call.request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Answers a forwarded call with response headers, `frames` written one by one, and OK trailers. */
export async function respondFrames(call: ForwardedInference, frames: readonly Buffer[]): Promise<void> {
  const stream = call.stream;
  stream.respond(
    { ":status": 200, "content-type": "application/grpc", "x-answered-by": "peer" },
    { waitForTrailers: true },
  );
  for (const f of frames) {
    stream.write(f);
    // Let each frame leave separately, as a server-streaming runtime would send them.
    await new Promise((resolve) => setImmediate(resolve));
  }
  endWithTrailers(stream, { "grpc-status": "0", "x-trailer": "kept" });
}

/**
 * A PeerHandler whose behaviour each test sets; it records every call it receives (the
 * scope's signal and deadline included) so tests can check what crossed the hop.
 */
export class FakePeerHandler implements PeerHandler {
  readonly statusCalls: { request: PeerStatusRequest; scope: PeerCallScope }[] = [];
  readonly forwarded: ForwardedInference[] = [];
  onStatus: (request: PeerStatusRequest, scope: PeerCallScope) => Promise<ModelStatusDetails> = async () => ({
    status: "LOADED",
    errors: [],
    copies: [],
  });
  onForward: (call: ForwardedInference) => Promise<void> = async (call) => {
    await respondFrames(call, [await readBody(call)]);
  };

  /** Methods refused by {@link checkForwardedMethod}, as the mesh's runtime policy would refuse them. */
  readonly refusedMethods = new Set<string>();

  checkForwardedMethod(method: string): MeshError | undefined {
    return this.refusedMethods.has(method) ? new MeshError("UNIMPLEMENTED", `refused: ${method}`) : undefined;
  }

  modelStatus(request: PeerStatusRequest, scope: PeerCallScope): Promise<ModelStatusDetails> {
    this.statusCalls.push({ request, scope });
    return this.onStatus(request, scope);
  }

  serveForwarded(call: ForwardedInference): Promise<void> {
    this.forwarded.push(call);
    return this.onForward(call);
  }
}

/** Resolves when `signal` aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true }),
  );
}

/** A started peer: its server, fake handler and how to address it. */
export interface TestPeer {
  readonly server: PeerServer;
  readonly handler: FakePeerHandler;
  readonly ref: PeerRef;
}

/** Starts a peer server for `instanceId` on a free loopback port with a fresh fake handler. */
export async function startPeer(instanceId: string): Promise<TestPeer> {
  const handler = new FakePeerHandler();
  const server = await listenPeerServer({ handler, instanceId, host: "127.0.0.1" });
  return { server, handler, ref: { instanceId, record: instanceRecordAt(`127.0.0.1:${server.port}`) } };
}

/** A whole forwarded response. */
export interface Collected {
  readonly headers: IncomingHttpHeaders;
  readonly chunks: readonly Buffer[];
  readonly body: Buffer;
  readonly trailers: IncomingHttpHeaders;
}

/** A forwarded call's failure, with whether the response had started. */
export class ForwardFailure extends Error {
  constructor(
    readonly error: MeshError,
    readonly started: boolean,
  ) {
    super(error.message);
  }
}

/** Forwards through `client` and collects the answer; rejects with a {@link ForwardFailure}. */
export function forwardCollect(
  client: PeerClient,
  peer: PeerRef,
  request: PeerForwardRequest,
): Promise<Collected> {
  return new Promise((resolve, reject) => {
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    client.forward(peer, request, {
      onHeaders: (h) => {
        headers = h;
      },
      onData: (chunk) => chunks.push(chunk),
      onTrailers: (trailers) => resolve({ headers, chunks, body: Buffer.concat(chunks), trailers }),
      onError: (error, started) => reject(new ForwardFailure(error, started)),
    });
  });
}

/** The failure of a forwarded call that must fail. */
export async function forwardFailure(
  client: PeerClient,
  peer: PeerRef,
  request: PeerForwardRequest,
): Promise<ForwardFailure> {
  try {
    await forwardCollect(client, peer, request);
  } catch (failure) {
    if (failure instanceof ForwardFailure) return failure;
    throw failure;
  }
  throw new Error("the forwarded call succeeded");
}
