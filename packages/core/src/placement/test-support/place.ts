import { createSeededRandom } from "../../ports/random.js";
import type { InstanceRecord, ModelRecord } from "../../records/types.js";
import { createInstanceTable } from "../instance-table.js";
import { placeModel } from "../place-model.js";
import type { PlacementInput, PlacementResult } from "../types.js";
import { instanceRecord, modelRecord } from "./records.js";

/** The test clock's "now". */
export const NOW = 1_700_000_000_000;
/** Units of capacity of every test instance. */
export const CAPACITY_UNITS = 10_000;
/** The "full" threshold used by the tests. */
export const MIN_SPACE_UNITS = 1000;

/** An instance with `free` units left of 10 000 (full below 1000). */
export function free(units: number, more: Partial<InstanceRecord> = {}): InstanceRecord {
  return instanceRecord({
    capacityUnits: CAPACITY_UNITS,
    usedUnits: CAPACITY_UNITS - units,
    count: 1,
    lruTimeMs: NOW - 3_600_000,
    ...more,
  });
}

/** Options of {@link place}: a table by id, and any placement input to override. */
export interface PlaceOptions extends Partial<Omit<PlacementInput, "table" | "model">> {
  readonly instances: Readonly<Record<string, InstanceRecord>>;
  readonly model?: Partial<ModelRecord>;
  readonly selfId?: string;
  readonly minChurnAgeMs?: number;
  readonly seed?: number;
}

/** Runs {@link placeModel} on a small table; this instance is "self" unless told otherwise. */
export function place(options: PlaceOptions): PlacementResult {
  const { instances, model, selfId = "self", minChurnAgeMs = 60_000, seed = 1, ...rest } = options;
  const table = createInstanceTable({
    records: new Map(Object.entries(instances)),
    selfId,
    minSpaceUnits: MIN_SPACE_UNITS,
    minChurnAgeMs,
  });
  return placeModel({
    table,
    model: modelRecord(model),
    lastUsedMs: 0,
    balanced: false,
    nowMs: NOW,
    random: createSeededRandom(seed),
    ...rest,
  });
}
