import { type InstanceRecord, type TableMirror, UpgradeTracker } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";

/** An {@link UpgradeTracker} fed by the instance table, and how to stop feeding it. */
export interface UpgradeFeed {
  readonly tracker: UpgradeTracker;
  /** Adds the instances already in the mirror that the tracker has not seen (after it loaded). */
  catchUp(): void;
  close(): void;
}

/**
 * Follows the instance table into an upgrade tracker: each instance once when it first appears
 * (the original also counted later updates of its record as appearances, inflating the sizes it
 * compares), and its removal. Marked ReplicaSets are logged when the set of them changes.
 */
export function followUpgrades(ctx: Pick<MeshContext, "clock" | "logger" | "instancesMirror">): UpgradeFeed {
  const tracker = new UpgradeTracker(ctx.clock);
  const seen = new Set<string>();
  const mirror: TableMirror<InstanceRecord> = ctx.instancesMirror;
  let logged = "";
  const report = () => {
    const replaced = tracker.replaced().join(",");
    if (replaced === logged) return;
    logged = replaced;
    ctx.logger.info(
      { replicaSets: replaced === "" ? [] : replaced.split(",") },
      "ReplicaSets likely being replaced by a rolling update (new copies avoid them)",
    );
  };
  const add = (id: string, record: InstanceRecord) => {
    if (seen.has(id)) return;
    seen.add(id);
    tracker.instanceAdded(id, record);
  };
  const unsubscribe = mirror.subscribe((event) => {
    if (event.type === "added") add(event.id, event.next.value);
    else if (event.type === "deleted" && seen.delete(event.id))
      tracker.instanceRemoved(event.id, event.previous.value);
    else return;
    report();
  });
  return {
    tracker,
    catchUp() {
      for (const [id, versioned] of mirror.entries()) add(id, versioned.value);
      report();
    },
    close: unsubscribe,
  };
}
