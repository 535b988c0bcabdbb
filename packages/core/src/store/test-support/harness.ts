import { randomUUID } from "node:crypto";
import { afterEach, beforeEach } from "vitest";
import { MeshError } from "../../errors.js";
import type { LogFields, Logger } from "../../ports/logger.js";
import type { RecordCodec } from "../../records/codec.js";
import { createStoreLayout, type StoreLayout } from "../key-layout.js";
import type { KvStore } from "../kv-store.js";
import { createMeshStore, type MeshStore } from "../mesh-store.js";

/** How the contract suite gets stores of one implementation. */
export interface KvStoreContractHarness {
  /**
   * Opens a store for one test. Stores may share a backend (one etcd for the whole file): every
   * test works under its own unique key prefix.
   */
  open(): Promise<KvStore>;
  /** Cleans up after a test, once the suite has closed the store (e.g. removes a data directory). */
  dispose?(store: KvStore): Promise<void>;
}

/** A log line kept by {@link RecordingLogger}. */
export interface LoggedLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly fields: LogFields;
  readonly message: string;
}

/** A logger that keeps every line, for assertions. */
export interface RecordingLogger extends Logger {
  readonly lines: LoggedLine[];
}

/** Creates a {@link RecordingLogger}; children write into the same list. */
export function createRecordingLogger(lines: LoggedLine[] = [], base: LogFields = {}): RecordingLogger {
  const log = (level: LoggedLine["level"]) => (fields: LogFields, message: string) =>
    lines.push({ level, fields: { ...base, ...fields }, message });
  return {
    lines,
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    isDebugEnabled: () => true,
    child: (fields) => createRecordingLogger(lines, { ...base, ...fields }),
  };
}

/** The record type of the contract's tables. */
export interface Counter {
  readonly n: number;
  readonly tag?: string;
}

/** A strict little JSON codec, like the real record codecs: bad text is `INVALID_DATA` with the key. */
export const counterCodec: RecordCodec<Counter> = {
  decode(text, key) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new MeshError("INVALID_DATA", `${key} does not hold JSON`, { key });
    }
    if (typeof parsed !== "object" || parsed === null || typeof (parsed as Counter).n !== "number") {
      throw new MeshError("INVALID_DATA", `${key} does not hold a counter`, { key });
    }
    return parsed as Counter;
  },
  encode: (value) => JSON.stringify(value),
};

/** What each contract test works with. */
export interface ContractContext {
  readonly kv: KvStore;
  readonly mesh: MeshStore;
  readonly layout: StoreLayout;
  readonly logger: RecordingLogger;
  /** A key prefix of this test for raw-key tests (`/contract/<unique>/raw/`). */
  readonly rawPrefix: string;
}

/** Opens a fresh store and layout before each test and closes them after; returns the context. */
export function useContractStore(harness: KvStoreContractHarness): () => ContractContext {
  let context: ContractContext | undefined;
  beforeEach(async () => {
    const kv = await harness.open();
    const unique = randomUUID().slice(0, 8);
    const layout = createStoreLayout({ kvStorePrefix: "contract", serviceName: `svc-${unique}` });
    const logger = createRecordingLogger();
    const mesh = createMeshStore({ kv, layout, logger });
    context = { kv, mesh, layout, logger, rawPrefix: `/contract/${unique}/raw/` };
  });
  afterEach(async () => {
    if (context === undefined) return;
    const { kv } = context;
    context = undefined;
    await kv.close();
    await harness.dispose?.(kv);
  });
  return () => {
    if (context === undefined) throw new Error("the contract store is not open");
    return context;
  };
}

/** Polls `check` until it stops throwing (or returns true), for at most `timeoutMs`. */
export async function eventually(check: () => unknown, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await check()) !== false) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs `call` and returns what it rejected (or threw) with; fails when it succeeds. */
export async function rejectionOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
