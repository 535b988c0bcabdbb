/**
 * @modelmesh/core: every decision of the mesh as pure code over plain data. No I/O, no timers,
 * no Node globals; time and randomness come in through the {@link Clock} and {@link Random} ports.
 *
 * Each block below belongs to one area of the package; keep exports explicit and named.
 */

// --- errors ---
export type { MeshErrorCode, MeshErrorDetails, MeshErrorOptions } from "./errors.js";
export { hasMeshErrorCode, isMeshError, MeshError, meshErrorCodes } from "./errors.js";

// --- ports ---
export type { Clock, ManualClock } from "./ports/clock.js";
export { createManualClock } from "./ports/clock.js";
export type { LogFields, Logger } from "./ports/logger.js";
export { noopLogger } from "./ports/logger.js";
export type { Random } from "./ports/random.js";
export { createSeededRandom, randomIndex } from "./ports/random.js";

// --- records ---
export type { ExtraFields, InstanceRecord, ModelRecord, VModelRecord } from "./records/types.js";
export { bytesToUnits, UNIT_SIZE_BYTES } from "./records/types.js";
export type { RecordCodec } from "./records/codec.js";

// --- records: codecs (issue 3) ---

// --- cache (issue 3) ---

// --- placement, copy picker, routing (issue 3) ---

// --- scaling and expiry rules (issue 3) ---

// --- protobuf field-path splice (issue 3) ---

// --- store port (issue 4) ---
