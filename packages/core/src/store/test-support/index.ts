import { describe } from "vitest";
import type { KvStoreContractHarness } from "./harness.js";
import { describeKvOperations } from "./kv-contract.js";
import { describeMirrors } from "./mirror-contract.js";
import { describeSessions } from "./session-contract.js";
import { describeTables } from "./table-contract.js";

export type {
  ContractContext,
  Counter,
  KvStoreContractHarness,
  LoggedLine,
  RecordingLogger,
} from "./harness.js";
export { counterCodec, createRecordingLogger, eventually } from "./harness.js";

/**
 * The one contract every `KvStore` adapter passes: the same test bodies, run by each
 * adapter's own runner (`describeKvStoreContract("etcd", harness)`). It covers compare-and-set,
 * ranges, transactions, revisions, bad input, typed tables and CAS loops, mirrors (snapshot,
 * ordered events exactly once, own writes at once, undecodable data), sessions and leader
 * election. Fault behaviour (restarts, partitions, crashes) is tested by each adapter separately.
 */
export function describeKvStoreContract(name: string, harness: KvStoreContractHarness): void {
  describe(`KvStore contract: ${name}`, () => {
    describeKvOperations(harness);
    describeTables(harness);
    describeMirrors(harness);
    describeSessions(harness);
  });
}
