import {
  createManualClock,
  type InstanceRecord,
  type KvSessionRecreated,
  MeshError,
  type MeshSession,
  type MirrorEvent,
} from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { VanishedPeers } from "./vanished-peers.js";

function record(shutdown = false): InstanceRecord {
  return {
    startTimeMs: 1,
    version: 0,
    location: "10.0.0.2",
    labels: [],
    lruTimeMs: 0,
    count: 2,
    capacityUnits: 100,
    usedUnits: 10,
    loadingThreads: 2,
    loadsInProgress: 0,
    rpm: 0,
    shutdown,
    internalEndpoint: "10.0.0.2:8080",
    extra: {},
  };
}

const versioned = (value: InstanceRecord) => ({ value, revision: 5, createRevision: 5 });
const deleted = (id: string, value = record()): MirrorEvent<InstanceRecord> => ({
  type: "deleted",
  id,
  previous: versioned(value),
});
const added = (id: string): MirrorEvent<InstanceRecord> => ({ type: "added", id, next: versioned(record()) });

/** The session's loss and re-creation, driven by the test. */
function fakeSession() {
  const lost = new Set<(error: MeshError) => void>();
  const recreated = new Set<(info: KvSessionRecreated) => void>();
  const session: Pick<MeshSession, "onLost" | "onRecreated"> = {
    onLost: (listener) => {
      lost.add(listener);
      return () => lost.delete(listener);
    },
    onRecreated: (listener) => {
      recreated.add(listener);
      return () => recreated.delete(listener);
    },
  };
  return {
    session,
    lose: () => {
      for (const listener of lost) listener(new MeshError("STORE_UNAVAILABLE", "session lease lost"));
    },
    recreate: () => {
      const info = { leaseId: "2", restoredKeys: [], conflictingKeys: [], revisions: new Map() };
      for (const listener of recreated) listener(info);
    },
  };
}

function setUp() {
  const clock = createManualClock();
  const peers = new VanishedPeers({ clock, selfId: "self", graceMs: 10_000 });
  const fake = fakeSession();
  peers.follow(fake.session);
  return { clock, peers, fake };
}

describe("VanishedPeers", () => {
  it("drops a peer at once when its record goes while this instance's own lease is fine", () => {
    const { peers } = setUp();
    peers.observe(deleted("peer"));
    expect([...peers.current().keys()]).toEqual([]);
  });

  it("keeps a peer whose record went while this instance's lease was lost, until it publishes again", () => {
    const { peers, fake } = setUp();
    fake.lose();
    const before = peers.version();
    peers.observe(deleted("peer"));
    peers.observe(deleted("self"));
    peers.observe(deleted("leaving", record(true)));
    expect([...peers.current().keys()]).toEqual(["peer"]);
    expect(peers.current().get("peer")?.count).toBe(2);
    expect(peers.version()).not.toBe(before);
    peers.observe(added("peer"));
    expect([...peers.current().keys()]).toEqual([]);
  });

  it("keeps counting it for the grace after the own lease is back, then drops it", () => {
    const { clock, peers, fake } = setUp();
    fake.lose();
    fake.recreate();
    clock.advance(2000);
    peers.observe(deleted("peer")); // seen late: the watch came back after the lease
    expect([...peers.current().keys()]).toEqual(["peer"]);
    const version = peers.version();
    clock.advance(8000);
    expect([...peers.current().keys()]).toEqual([]);
    expect(peers.version()).not.toBe(version);
    peers.observe(deleted("other"));
    expect([...peers.current().keys()]).toEqual([]);
  });
});
