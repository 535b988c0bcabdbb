// What a store author does: run the KvStore contract suite from @modelmesh/core/store-contract
// against their adapter, here the published @modelmesh/store-embedded.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KvStore } from "@modelmesh/core";
import { describeKvStoreContract } from "@modelmesh/core/store-contract";
import { openEmbeddedStore } from "@modelmesh/store-embedded";

const dirs = new Map<KvStore, string>();

describeKvStoreContract("embedded (from its tarball)", {
  async open() {
    const dir = mkdtempSync(join(tmpdir(), "mm-packaging-contract-"));
    const store = await openEmbeddedStore({ dir });
    dirs.set(store, dir);
    return store;
  },
  async dispose(store) {
    const dir = dirs.get(store);
    dirs.delete(store);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  },
});
