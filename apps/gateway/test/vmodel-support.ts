import type { Code } from "@connectrpc/connect";
import { createStoreLayout, type StoreTableName, tableKey } from "@modelmesh/core";
import { type VModelStatusInfo, VModelStatusInfo_VModelStatus } from "@modelmesh/proto";
import { TEST_SERVICE_NAME, type TestMesh } from "@modelmesh/testkit/mesh";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { Etcd3 } from "etcd3";
import { expect } from "vitest";
import { expectCode } from "./support.js";

/** VModel status names, as in the proto. */
export const VStatus = VModelStatusInfo_VModelStatus;

/** Raw access to the keys of the mesh's store, to check records as the original writes them. */
export interface RawStore {
  /** The JSON record `<table>/<id>` parsed, or undefined when absent. */
  getJson(table: StoreTableName, id: string): Promise<Record<string, unknown> | undefined>;
  /** Writes `<table>/<id>` as the given text, bypassing the mesh. */
  putText(table: StoreTableName, id: string, text: string): Promise<void>;
  close(): void;
}

/** A {@link RawStore} on etcd at `hostPort`, with the harness's key layout (default prefix). */
export function etcdRawStore(hostPort: string): RawStore {
  const client = new Etcd3({ hosts: hostPort });
  const layout = createStoreLayout({ serviceName: TEST_SERVICE_NAME });
  return {
    async getJson(table, id) {
      const text = await client.get(tableKey(layout, table, id)).string();
      return text === null ? undefined : (JSON.parse(text) as Record<string, unknown>);
    },
    async putText(table, id, text) {
      await client.put(tableKey(layout, table, id)).value(text);
    },
    close: () => client.close(),
  };
}

/** The category the example runtime answers a `predict` with `headers` (it names the model it ran). */
export async function categoryVia(
  mesh: TestMesh,
  headers: Record<string, string>,
  text = "x",
): Promise<string | undefined> {
  const response = await mesh.predictor.predict({ text }, { headers, timeoutMs: 20_000 });
  return response.results[0]?.category;
}

/** `{ "mm-vmodel-id": id }`. */
export function vmodelHeader(vModelId: string): Record<string, string> {
  return { "mm-vmodel-id": vModelId };
}

/** Polls `getVModelStatus` until its status is `status`; returns that answer. */
export function waitForVModelStatus(
  mesh: TestMesh,
  vModelId: string,
  status: VModelStatusInfo_VModelStatus,
  timeoutMs = 30_000,
): Promise<VModelStatusInfo> {
  return waitUntil(
    async () => {
      const info = await mesh.management.getVModelStatus({ vModelId });
      return info.status === status ? info : undefined;
    },
    { timeoutMs, intervalMs: 50, description: `vmodel ${vModelId} ${VStatus[status]}` },
  );
}

/** Expects `call` to fail with `code` and exactly `message`. */
export async function expectError(call: Promise<unknown>, code: Code, message: string): Promise<void> {
  const error = await expectCode(call, code);
  expect(error.rawMessage).toBe(message);
}

/** Expects the answer of an absent vmodel: NOT_FOUND with empty ids and owner. */
export function expectVModelAbsent(info: VModelStatusInfo): void {
  expect({
    status: VStatus[info.status],
    activeModelId: info.activeModelId,
    targetModelId: info.targetModelId,
    owner: info.owner,
  }).toEqual({ status: "NOT_FOUND", activeModelId: "", targetModelId: "", owner: "" });
}
