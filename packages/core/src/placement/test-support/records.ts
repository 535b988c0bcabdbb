import type { InstanceRecord, ModelRecord } from "../../records/types.js";

/** An instance record for tests: an empty 10 000-unit instance of version 1 unless overridden. */
export function instanceRecord(overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    startTimeMs: 0,
    version: 1,
    labels: [],
    lruTimeMs: Number.MAX_SAFE_INTEGER,
    count: 0,
    capacityUnits: 10_000,
    usedUnits: 0,
    loadingThreads: 2,
    loadsInProgress: 0,
    rpm: 0,
    shutdown: false,
    extra: {},
    ...overrides,
  };
}

/** A model record for tests: type "example", no copies, no failures unless overridden. */
export function modelRecord(overrides: Partial<ModelRecord> = {}): ModelRecord {
  return {
    type: "example",
    instanceIds: {},
    failedIn: {},
    failureMessages: {},
    refs: 0,
    autoDelete: false,
    lastUsedMs: 0,
    lastUnloadMs: 0,
    extra: {},
    ...overrides,
  };
}
