import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KvStore } from "@modelmesh/core";
import { describeKvStoreContract } from "@modelmesh/core/store-contract";
import { openEmbeddedStore } from "../src/index.js";

const dirs = new Map<KvStore, string>();

describeKvStoreContract("embedded", {
  async open() {
    const dir = mkdtempSync(join(tmpdir(), "mm-embedded-contract-"));
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
