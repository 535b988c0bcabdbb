import { describe, expect, it } from "vitest";
import { MeshError } from "../errors.js";
import type { RecordCodec } from "../records/codec.js";
import type { KvEntry } from "./kv-store.js";
import type { MirrorEvent } from "./mirror-event.js";
import { MirrorState } from "./mirror-state.js";
import { createRecordingLogger } from "./test-support/harness.js";

const prefix = "/p/s/registry/";
const codec: RecordCodec<number> = {
  decode(text, key) {
    const n = Number(text);
    if (!Number.isInteger(n)) throw new MeshError("INVALID_DATA", `bad ${key}`, { key });
    return n;
  },
  encode: (value) => String(value),
};
const entry = (id: string, value: string, modRevision: number, createRevision = modRevision): KvEntry => ({
  key: prefix + id,
  value,
  modRevision,
  createRevision,
});

function setup() {
  const events: MirrorEvent<number>[] = [];
  const logger = createRecordingLogger();
  const state = new MirrorState({ prefix, codec, logger, emit: (e) => events.push(e) });
  const summary = () =>
    events.map((e) => `${e.type} ${e.id}${e.type === "deleted" ? "" : `@${e.next.revision}`}`);
  return { state, events, logger, summary };
}

describe("MirrorState", () => {
  it("loads a snapshot without events, skipping and logging undecodable records", () => {
    const { state, events, logger } = setup();
    state.applySnapshot([entry("a", "1", 2), entry("bad", "x", 3), { ...entry("", "9", 4) }], 5);
    expect([...state.entries.keys()]).toEqual(["a"]);
    expect(state.revision).toBe(5);
    expect(events).toEqual([]);
    expect(logger.lines.map((l) => l.fields.key)).toEqual([`${prefix}bad`]);
  });

  it("emits exactly the missed changes when a later snapshot replaces a compacted history", () => {
    const { state, summary } = setup();
    state.applySnapshot([entry("a", "1", 2), entry("b", "2", 3)], 3);
    state.applyEvents([{ type: "put", entry: entry("a", "5", 4, 2) }], 4);
    state.applySnapshot([entry("a", "5", 4, 2), entry("c", "7", 7)], 8);
    expect(summary()).toEqual(["updated a@4", "deleted b", "added c@7"]);
    expect(state.revision).toBe(8);
  });

  it("takes a snapshot given in parts only when it ends; one never ended changes nothing", () => {
    const { state, summary } = setup();
    state.applySnapshot([entry("a", "1", 2), entry("b", "2", 3)], 3);
    const abandoned = state.beginSnapshot(9);
    abandoned.add([entry("a", "7", 9, 2)]);
    expect(state.entries.get("a")?.value).toBe(1);
    expect(state.revision).toBe(3);

    const parts = state.beginSnapshot(8);
    parts.add([entry("a", "5", 4, 2)]);
    parts.add(new Set([entry("c", "7", 7), entry("bad", "x", 6)]));
    expect(summary()).toEqual([]);
    parts.end();
    parts.add([entry("d", "1", 8)]);
    parts.end();
    expect(summary()).toEqual(["updated a@4", "deleted b", "added c@7"]);
    expect([...state.entries.keys()].sort()).toEqual(["a", "c"]);
    expect(state.revision).toBe(8);
  });

  it("keeps a local write newer than a resync snapshot", () => {
    const { state, summary } = setup();
    state.applySnapshot([], 8);
    state.applyLocalPut({ key: `${prefix}d`, text: "1", revision: 9, expectedRevision: 0 });
    state.applySnapshot([], 8);
    expect(state.entries.get("d")).toEqual({ value: 1, revision: 9, createRevision: 9 });
    state.applyEvents([{ type: "put", entry: entry("d", "1", 9) }], 9);
    expect(summary()).toEqual(["added d@9"]);
  });

  it("does not let an older put still in flight revive a key deleted locally", () => {
    const { state, summary } = setup();
    state.applySnapshot([entry("a", "1", 2)], 8);
    state.applyLocalDelete(`${prefix}a`, 10);
    state.applyEvents([{ type: "put", entry: entry("a", "3", 9, 2) }], 9);
    expect(state.entries.has("a")).toBe(false);
    state.applyEvents([{ type: "delete", key: `${prefix}a`, modRevision: 10 }], 10);
    state.applyEvents([{ type: "put", entry: entry("a", "4", 11) }], 11);
    expect(summary()).toEqual(["deleted a", "added a@11"]);
  });

  it("applies a local write at once and skips its echo from the watch", () => {
    const { state, summary } = setup();
    state.applySnapshot([entry("a", "1", 2)], 5);
    state.applyLocalPut({ key: `${prefix}a`, text: "2", revision: 6, expectedRevision: 2 });
    expect(state.entries.get("a")).toEqual({ value: 2, revision: 6, createRevision: 2 });
    state.applyEvents([{ type: "put", entry: entry("a", "2", 6, 2) }], 6);
    expect(summary()).toEqual(["updated a@6"]);
  });

  it("waits for the watch when a local update's create revision is unknown", () => {
    const { state, summary } = setup();
    state.applySnapshot([], 5);
    state.applyLocalPut({ key: `${prefix}a`, text: "2", revision: 7, expectedRevision: 6 });
    expect(state.entries.has("a")).toBe(false);
    state.applyEvents([{ type: "put", entry: entry("a", "1", 6) }], 6);
    state.applyEvents([{ type: "put", entry: entry("a", "2", 7, 6) }], 7);
    expect(summary()).toEqual(["added a@6", "updated a@7"]);
  });

  it("reports a record that becomes undecodable as deleted, and added once it is fixed", () => {
    const { state, summary } = setup();
    state.applySnapshot([entry("a", "1", 2)], 2);
    state.applyEvents([{ type: "put", entry: entry("a", "oops", 3, 2) }], 3);
    state.applyEvents([{ type: "put", entry: entry("a", "4", 4, 2) }], 4);
    expect(summary()).toEqual(["deleted a", "added a@4"]);
  });

  it("ignores local writes before the first snapshot and duplicate events", () => {
    const { state, summary } = setup();
    state.applyLocalPut({ key: `${prefix}a`, text: "1", revision: 3, expectedRevision: 0 });
    state.applySnapshot([entry("a", "1", 3)], 3);
    state.applyEvents([{ type: "put", entry: entry("a", "1", 3) }], 3);
    state.applyEvents([{ type: "delete", key: `${prefix}zzz`, modRevision: 4 }], 4);
    expect(summary()).toEqual([]);
    expect(state.revision).toBe(4);
  });
});
