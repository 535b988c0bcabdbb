import { startTcpProxy } from "@modelmesh/testkit/tcp-proxy";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterEach, describe, expect, it } from "vitest";
import { PeerClient, type PeerRef } from "../../src/peer/peer-client.js";
import { PeerDirectory } from "../../src/peer/peer-directory.js";
import {
  aborted,
  contextFor,
  forwardCollect,
  forwardFailure,
  frame,
  instanceRecordAt,
  readBody,
  respondFrames,
  startPeer,
} from "./support.js";

const path = "/mmesh.ExamplePredictor/predict";
const request = { path, headers: {}, body: frame(Buffer.from("k")), context: contextFor("m") };

// HTTP/2 PINGs on peer connections: a peer that goes silent after the connection was made (frozen
// process, black-holed network) fails the calls in flight to it within the PING interval plus
// the PING timeout, instead of holding them until their deadlines (or forever without one).
describe("peer connection keep-alive (real sockets, through a fault-injecting proxy)", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  async function peerBehindProxy() {
    const peer = await startPeer("quiet");
    const proxy = await startTcpProxy({ targetPort: peer.server.port });
    const directory = new PeerDirectory({ keepAliveIntervalMs: 200, keepAliveTimeoutMs: 300 });
    cleanups.push(
      () => directory.close(),
      () => proxy.close(),
      () => peer.server.close(),
    );
    const ref: PeerRef = { instanceId: "quiet", record: instanceRecordAt(proxy.hostPort) };
    return { peer, proxy, ref, client: new PeerClient({ directory }) };
  }

  it("fails a call in flight soon after the peer stops answering, with no deadline on the call", async () => {
    const { peer, proxy, ref, client } = await peerBehindProxy();
    peer.handler.onForward = async (call) => {
      await readBody(call);
      // Never answers: only the keep-alive can end this call (the handler then sees it cancelled).
      await aborted(call.signal);
    };
    const startedMs = Date.now();
    const failure = forwardFailure(client, ref, request);
    await waitUntil(() => peer.handler.forwarded.length > 0, { description: "the call to reach the peer" });
    proxy.drop();
    const { error, started } = await failure;
    expect([error.code, started]).toEqual(["INSTANCE_UNAVAILABLE", false]);
    expect(error.message).toMatch(/did not answer an HTTP\/2 PING within 300 ms/);
    expect(Date.now() - startedMs).toBeLessThan(5000);
  });

  it("keeps a slow call to a live peer open across many PINGs", async () => {
    const { peer, ref, client } = await peerBehindProxy();
    peer.handler.onForward = async (call) => {
      await readBody(call);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await respondFrames(call, [frame(Buffer.from("slow but fine"))]);
    };
    const { body } = await forwardCollect(client, ref, request);
    expect(body.subarray(5).toString()).toBe("slow but fine");
  });
});
