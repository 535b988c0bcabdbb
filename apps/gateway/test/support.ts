import { Code, ConnectError } from "@connectrpc/connect";
import { ModelStatusInfo_ModelStatus } from "@modelmesh/proto";
import type { TestMesh } from "@modelmesh/testkit/mesh";
import { expect } from "vitest";

/** Model status names, as in the proto. */
export const Status = ModelStatusInfo_ModelStatus;

/** A simulated model path of the example runtime: `SIZE_<bytes>_<loadMs>_<unloadMs>` (§8.5). */
export function sizedModel(bytes: number, loadMs: number, unloadMs: number): string {
  return `SIZE_${bytes}_${loadMs}_${unloadMs}`;
}

/** 1 MiB. */
export const MiB = 1024 * 1024;

/** The model's status from `getModelStatus` (never loads, never touches). */
export async function statusOf(mesh: TestMesh, modelId: string): Promise<ModelStatusInfo_ModelStatus> {
  return (await mesh.management.getModelStatus({ modelId })).status;
}

/** Runs `call`, expecting it to fail with `code`; returns the error for more checks. */
export async function expectCode(call: Promise<unknown>, code: Code): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have failed").toBeInstanceOf(ConnectError);
  const connectError = error as ConnectError;
  expect(Code[connectError.code], connectError.rawMessage).toBe(Code[code]);
  return connectError;
}

/** Status names of several models, for one readable assertion. */
export async function statusesOf(mesh: TestMesh, ids: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of ids) out[id] = Status[await statusOf(mesh, id)] ?? "?";
  return out;
}
