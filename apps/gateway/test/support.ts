import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import {
  ModelStatusInfo_ModelStatus,
  type MultiPredictResponse,
  MultiPredictResponseSchema,
  PredictRequestSchema,
} from "@modelmesh/proto";
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

/**
 * Registers `modelId` through `mesh` with `loadNow` and `sync` (by default a 1 MiB model that
 * loads at once) and expects it LOADED.
 */
export async function registerLoaded(
  mesh: TestMesh,
  modelId: string,
  path: string = sizedModel(MiB, 0, 0),
): Promise<void> {
  const status = await mesh.management.registerModel({
    modelId,
    modelInfo: { type: "DUMMY", path },
    loadNow: true,
    sync: true,
  });
  expect(Status[status.status], modelId).toBe("LOADED");
}

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

/**
 * `mmesh.ExamplePredictor/multiPredict` through grpc-js with one `mm-model-id` metadata entry per
 * id: a multi-model call (§2.10). Connect's client would join repeated values into one field.
 */
export function multiPredict(
  mesh: TestMesh,
  ids: readonly string[],
  text: string,
): Promise<MultiPredictResponse> {
  const client = new grpc.Client(`127.0.0.1:${mesh.port}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  for (const id of ids) metadata.add("mm-model-id", id);
  const body = Buffer.from(toBinary(PredictRequestSchema, create(PredictRequestSchema, { text })));
  const identity = (bytes: Buffer) => bytes;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      "/mmesh.ExamplePredictor/multiPredict",
      identity,
      identity,
      body,
      metadata,
      { deadline: Date.now() + 30_000 },
      (error, response) => {
        client.close();
        if (error || response === undefined) reject(error ?? new Error("no response"));
        else resolve(fromBinary(MultiPredictResponseSchema, response));
      },
    );
  });
}
