import type { MeshError } from "@modelmesh/core";
import { startFakePeer } from "@modelmesh/testkit/fake-peer";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterEach, describe, expect, it } from "vitest";
import { PeerClient, type PeerRef } from "../../src/peer/peer-client.js";
import { PeerDirectory } from "../../src/peer/peer-directory.js";
import { contextFor, forwardFailure, frame, instanceRecordAt } from "./support.js";

const path = "/mmesh.ExamplePredictor/predict";
const forwardRequest = { path, headers: {}, body: frame(Buffer.from("x")), context: contextFor("m") };
const statusRequest = {
  context: contextFor("m"),
  load: false,
  sync: false,
  lastUsedMs: 0,
  excludeInstances: [],
};

async function statusError(client: PeerClient, peer: PeerRef): Promise<MeshError> {
  return client.modelStatus(peer, statusRequest).then(
    () => {
      throw new Error("the status call succeeded");
    },
    (error: MeshError) => error,
  );
}

// Connection attempts to peers are bounded without any call deadline, and a peer whose
// connection failed is unreachable (for routing) for a pause that grows with each failure.
describe("PeerDirectory reachability (real sockets)", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  /** A directory on a manual clock, with a 300 ms connect limit and 1 s / 4 s pauses. */
  function directoryOnClock() {
    const clock = { ms: 1_000_000 };
    const directory = new PeerDirectory({
      connectTimeoutMs: 300,
      backoffBaseMs: 1000,
      backoffMaxMs: 4000,
      now: () => clock.ms,
    });
    cleanups.push(() => directory.close());
    return { clock, directory, client: new PeerClient({ directory, now: () => Date.now() }) };
  }

  it("fails a call to a peer that accepts but never speaks HTTP/2 at the connect limit, not the deadline", async () => {
    const hang = await startFakePeer("hang");
    cleanups.push(() => hang.close());
    const { clock, directory, client } = directoryOnClock();
    const peer: PeerRef = { instanceId: "hang", record: instanceRecordAt(hang.endpoint) };
    expect(directory.isReachable("hang")).toBe(true);
    // No deadline at all: only the connect limit can end this call.
    const failure = await forwardFailure(client, peer, forwardRequest);
    expect([failure.error.code, failure.started]).toEqual(["INSTANCE_UNAVAILABLE", false]);
    expect(failure.error.message).toMatch(/not established within 300 ms/);
    expect(directory.isReachable("hang")).toBe(false);
    clock.ms += 1000;
    expect(directory.isReachable("hang")).toBe(true);
    // A second failure doubles the pause; the status call is bounded the same way.
    expect((await statusError(client, peer)).code).toBe("INSTANCE_UNAVAILABLE");
    clock.ms += 1999;
    expect(directory.isReachable("hang")).toBe(false);
    clock.ms += 1;
    expect(directory.isReachable("hang")).toBe(true);
    expect(hang.connections()).toBe(2);
  });

  it("pauses a peer that answers garbage; a restart (new start time) clears the pause", async () => {
    const garbage = await startFakePeer("garbage");
    cleanups.push(() => garbage.close());
    const { directory, client } = directoryOnClock();
    const record = instanceRecordAt(garbage.endpoint);
    const failure = await forwardFailure(client, { instanceId: "g", record }, forwardRequest);
    expect(failure.error.code).toBe("INSTANCE_UNAVAILABLE");
    // The session's own error event may come just after the stream's.
    await waitUntil(() => !directory.isReachable("g", record), { description: "the peer paused" });
    expect(directory.isReachable("g", { ...record, startTimeMs: record.startTimeMs + 1 })).toBe(true);
  });
});
