import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  addCopy,
  createManualClock,
  createMeshStore,
  createModelRecord,
  createStoreLayout,
  type InstanceRecord,
  instanceRecordCodec,
  type MeshStore,
  modelRecordCodec,
  noopLogger,
  tableKey,
} from "@modelmesh/core";
import { openEmbeddedStore } from "@modelmesh/store-embedded";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Reaper, type ReaperContext } from "../../src/cluster/reaper.js";
import { resolveTimings } from "../../src/options/timings.js";

const MIN = 60_000;

/** Polls until the mirrors caught up with a write (they follow the store's watch). */
async function waitForMirror(done: () => boolean): Promise<void> {
  await waitUntil(done, { timeoutMs: 5000, description: "the mirror to see the write" });
}

const liveRecord: InstanceRecord = {
  startTimeMs: 0,
  version: 0,
  labels: [],
  lruTimeMs: 0,
  count: 1,
  capacityUnits: 100,
  usedUnits: 10,
  loadingThreads: 1,
  loadsInProgress: 0,
  rpm: 0,
  shutdown: false,
  extra: {},
};

describe("Reaper (manual clock, real embedded store)", () => {
  let dir: string;
  let store: MeshStore;
  const clock = createManualClock();
  let ctx: ReaperContext;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mm-reaper-"));
    store = createMeshStore({
      kv: await openEmbeddedStore({ dir }),
      layout: createStoreLayout({ serviceName: "reaper-test" }),
    });
    const registry = store.table("registry", modelRecordCodec);
    const instances = store.table("instances", instanceRecordCodec);
    ctx = {
      registry,
      registryMirror: registry.mirror(),
      instances,
      instancesMirror: instances.mirror(),
      clock,
      timings: resolveTimings({}, 90_000),
      logger: noopLogger,
      readOnly: false,
    };
    await Promise.all([ctx.registryMirror.ready, ctx.instancesMirror.ready]);
  });
  afterAll(async () => {
    ctx?.registryMirror.close();
    ctx?.instancesMirror.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prunes an instance only after it has been missing for 10 min, and forgets one that returns", async () => {
    const now = clock.nowMs();
    let record = createModelRecord({ type: "t", lastUsedMs: now });
    record = addCopy(addCopy(addCopy(record, "gone", now - 20 * MIN), "back", now - 20 * MIN), "live", now);
    record = addCopy(record, "fresh", now);
    await ctx.registry.create("m", record);
    await ctx.instances.create("live", liveRecord);
    const reaper = new Reaper(ctx);

    // "fresh" registered just now is not judged yet; "live" has a record; the two others are
    // missing from now on.
    expect([...(await reaper.runOnce()).missing].sort()).toEqual(["back", "gone"]);
    clock.advance(9 * MIN);
    expect((await reaper.runOnce()).pruned).toEqual([]);

    await ctx.instances.create("back", liveRecord);
    clock.advance(2 * MIN);
    const pass = await reaper.runOnce();
    expect(pass.pruned).toEqual(["m@gone"]);
    const after = (await ctx.registry.get("m"))?.value;
    expect(Object.keys(after?.instanceIds ?? {}).sort()).toEqual(["back", "fresh", "live"]);

    // "back" leaves again: its 10 minutes start over.
    const current = await ctx.instances.get("back");
    await ctx.instances.deleteIfRevision("back", current?.revision ?? 0);
    expect((await reaper.runOnce()).pruned).toEqual([]);
    clock.advance(11 * MIN);
    // "fresh" (22 min old now, no record) started its 10 minutes with the previous pass.
    expect([...(await reaper.runOnce()).pruned].sort()).toEqual(["m@back", "m@fresh"]);
    expect(Object.keys((await ctx.registry.get("m"))?.value.instanceIds ?? {})).toEqual(["live"]);
  });

  it("repairs a last-used time of never (Java's Long.MAX_VALUE) to three hours ago", async () => {
    // Written as an older version did, straight into the store as JSON text.
    const raw = '{"type":"t","lu":9223372036854775807,"instanceIds":{}}';
    const key = tableKey(store.layout, "registry", "never-used");
    await store.kv.putIfRevision({ key, value: raw, expectedRevision: 0 });
    await waitForMirror(() => ctx.registryMirror.get("never-used") !== undefined);
    expect(ctx.registryMirror.get("never-used")?.value.lastUsedMs).toBe(Number.MAX_SAFE_INTEGER);
    const pass = await new Reaper(ctx).runOnce();
    expect(pass.repaired).toEqual(["never-used"]);
    expect((await ctx.registry.get("never-used"))?.value.lastUsedMs).toBe(clock.nowMs() - 3 * 60 * MIN);
    await waitForMirror(
      () => ctx.registryMirror.get("never-used")?.value.lastUsedMs !== Number.MAX_SAFE_INTEGER,
    );
    expect((await new Reaper(ctx).runOnce()).repaired).toEqual([]);
  });

  it("prunes and repairs nothing in read-only mode", async () => {
    const now = clock.nowMs();
    await ctx.registry.create(
      "ro-model",
      addCopy(createModelRecord({ type: "t", lastUsedMs: now }), "ro-gone", now - 60 * MIN),
    );
    const readOnly = new Reaper({ ...ctx, readOnly: true });
    expect(await readOnly.runOnce()).toEqual({ missing: [], pruned: [], repaired: [] });
    clock.advance(11 * MIN);
    expect(await readOnly.runOnce()).toEqual({ missing: [], pruned: [], repaired: [] });
    expect(Object.keys((await ctx.registry.get("ro-model"))?.value.instanceIds ?? {})).toEqual(["ro-gone"]);
  });
});
