import { describe, expect, it } from "vitest";
import { createManualClock } from "../ports/clock.js";
import type { InstanceRecord } from "../records/types.js";
import { UpgradeTracker } from "./upgrade-tracker.js";

const MIN = 60_000;

function record(startTimeMs: number, labels: readonly string[] = []): InstanceRecord {
  return {
    startTimeMs,
    version: 0,
    labels,
    lruTimeMs: 0,
    count: 0,
    capacityUnits: 100,
    usedUnits: 0,
    loadingThreads: 1,
    loadsInProgress: 0,
    rpm: 0,
    shutdown: false,
    extra: {},
  };
}

/** A tracker holding three pods of ReplicaSet "oldset", started an hour before the clock's now. */
function withOldSet() {
  const clock = createManualClock();
  const tracker = new UpgradeTracker(clock);
  const started = clock.nowMs() - 60 * MIN;
  const old = ["oldset-a1b2c", "oldset-d3e4f", "oldset-g5h6i"];
  for (const id of old) tracker.instanceAdded(id, record(started));
  return { clock, tracker, old, started };
}

describe("UpgradeTracker", () => {
  it("marks nothing while one ReplicaSet runs, and ignores ids that are not pod-derived", () => {
    const { tracker, clock } = withOldSet();
    expect(tracker.replaced()).toEqual([]);
    tracker.instanceAdded("node-1", record(clock.nowMs()));
    expect(tracker.replaced()).toEqual([]);
  });

  it("marks the old ReplicaSet when a new one starts, and keeps it while pods leave it", () => {
    const { tracker, clock, old } = withOldSet();
    tracker.instanceAdded("newset-xxxx1", record(clock.nowMs()));
    expect(tracker.replaced()).toEqual(["oldset"]);
    expect(tracker.replacedReplicaSets.has("oldset")).toBe(true);
    expect(tracker.replacedReplicaSets.has("newset")).toBe(false);
    // The update goes on: a pod leaves every 10 minutes; each departure renews the mark.
    for (const id of old.slice(0, 2)) {
      clock.advance(10 * MIN);
      tracker.instanceRemoved(id, record(0));
      expect(tracker.replacedReplicaSets.has("oldset")).toBe(true);
    }
    // The last old pod leaves: the set is gone, so is its mark.
    tracker.instanceRemoved(old[2] as string, record(0));
    expect(tracker.replaced()).toEqual([]);
  });

  it("lets a mark expire 15 minutes after the old set's last change", () => {
    const { tracker, clock } = withOldSet();
    tracker.instanceAdded("newset-xxxx1", record(clock.nowMs()));
    clock.advance(15 * 60_000 - 1);
    expect(tracker.replacedReplicaSets.has("oldset")).toBe(true);
    clock.advance(1);
    expect(tracker.replacedReplicaSets.has("oldset")).toBe(false);
  });

  it("does not mark sets of other label groups, nor an old set once the new one is long established", () => {
    const { tracker, clock } = withOldSet();
    tracker.instanceAdded("gpuset-xxxx1", record(clock.nowMs(), ["gpu"]));
    expect(tracker.replaced()).toEqual([]);
    // A new set whose pods all started 25 minutes ago is not an update in progress.
    tracker.instanceAdded("newset-xxxx1", record(clock.nowMs() - 25 * MIN));
    expect(tracker.replaced()).toEqual([]);
  });

  it("does not mark an old set that started pods after the new set's first", () => {
    const { tracker, clock } = withOldSet();
    const now = clock.nowMs();
    tracker.instanceAdded("newset-xxxx1", record(now - 5 * MIN));
    expect(tracker.replaced()).toEqual(["oldset"]);
    // A pod of the old set started after the new set's first: the old set is scaling, not being replaced.
    tracker.instanceAdded("oldset-late1", record(now - MIN));
    expect(tracker.replaced()).toEqual([]);
  });
});
