import { describeKvStoreContract } from "@modelmesh/core/store-contract";
import { type EtcdServer, startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll } from "vitest";
import { connectEtcdStore } from "../src/index.js";

// One real etcd for the file; every contract test works under its own key prefix.
let etcd: EtcdServer;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await stopAllEtcd();
  await stopAllProcesses();
});

describeKvStoreContract("etcd", {
  open: () => connectEtcdStore({ connection: { endpoints: [etcd.hostPort], rootPrefix: "" } }),
});
