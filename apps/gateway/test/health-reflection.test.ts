import { create, createFileRegistry, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import {
  reflectionV1alpha,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
} from "@modelmesh/proto";
import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

afterAll(stopAllProcesses);

const identity = (bytes: Buffer) => bytes;

// The health messages are encoded by hand, so the check does not go through the project's own
// descriptors: HealthCheckRequest { string service = 1 }, HealthCheckResponse { enum status = 1 }.
function healthRequest(service: string): Buffer {
  const name = Buffer.from(service, "utf8");
  return name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name]);
}

const STATUS_NAMES = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

function healthStatus(bytes: Buffer): string {
  // An empty message is status 0; otherwise tag 0x08 then a one-byte varint.
  return STATUS_NAMES[bytes.length === 0 ? 0 : (bytes[1] ?? 0)] ?? "?";
}

/** `grpc.health.v1.Health/Check` through grpc-js: the status name, or the gRPC error code name. */
function check(port: number, service: string): Promise<string> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      identity,
      identity,
      healthRequest(service),
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (error, response) => {
        client.close();
        if (error) resolve(grpc.status[error.code] ?? String(error.code));
        else resolve(healthStatus(response ?? Buffer.alloc(0)));
      },
    );
  });
}

/** An open `Watch` stream: the statuses seen so far, and how the stream ended. */
interface WatchStream {
  readonly statuses: string[];
  readonly ended: Promise<string>;
  cancel(): void;
}

function watch(port: number, service: string): WatchStream {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = client.makeServerStreamRequest(
    "/grpc.health.v1.Health/Watch",
    identity,
    identity,
    healthRequest(service),
  );
  const statuses: string[] = [];
  call.on("data", (bytes: Buffer) => statuses.push(healthStatus(bytes)));
  const ended = new Promise<string>((resolve) => {
    call.on("status", (status: grpc.StatusObject) => {
      client.close();
      resolve(grpc.status[status.code] ?? String(status.code));
    });
    call.on("error", () => {});
  });
  return { statuses, ended, cancel: () => call.cancel() };
}

/** Asks reflection questions on one stream (v1 or v1alpha path), answers decoded as v1. */
async function reflect(
  port: number,
  version: "v1" | "v1alpha",
  questions: Parameters<typeof create<typeof ServerReflectionRequestSchema>>[1][],
) {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(
    `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
    identity,
    identity,
  );
  const answers: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    call.on("data", (bytes: Buffer) => answers.push(bytes));
    call.on("status", (s: grpc.StatusObject) =>
      s.code === grpc.status.OK ? resolve() : reject(new Error(s.details)),
    );
    call.on("error", () => {});
  });
  for (const q of questions)
    call.write(
      Buffer.from(toBinary(ServerReflectionRequestSchema, create(ServerReflectionRequestSchema, q))),
    );
  call.end();
  await done;
  client.close();
  // v1alpha answers have the same fields and numbers as v1 ones; decoding with the v1alpha
  // schema first proves they are valid under their own package.
  return answers.map((bytes) =>
    version === "v1alpha"
      ? fromBinary(
          ServerReflectionResponseSchema,
          toBinary(
            reflectionV1alpha.ServerReflectionResponseSchema,
            fromBinary(reflectionV1alpha.ServerReflectionResponseSchema, bytes),
          ),
        )
      : fromBinary(ServerReflectionResponseSchema, bytes),
  );
}

describe("grpc.health.v1.Health on the serving port", () => {
  let mesh: TestMesh;
  beforeAll(async () => {
    mesh = await startMesh({ waitReady: false, name: "health" });
    await waitUntil(async () => (await check(mesh.port, "")) === "SERVING", {
      timeoutMs: 90_000,
      intervalMs: 200,
      description: "health Check never answered SERVING",
    });
  }, 120_000);

  it("Check answers SERVING for the server and the served services, NOT_FOUND for others", async () => {
    expect(await mesh.probe("/ready")).toBe(200);
    expect({
      server: await check(mesh.port, ""),
      modelMesh: await check(mesh.port, "mmesh.ModelMesh"),
      kserve: await check(mesh.port, "inference.GRPCInferenceService"),
      unknown: await check(mesh.port, "no.such.Service"),
    }).toEqual({ server: "SERVING", modelMesh: "SERVING", kserve: "SERVING", unknown: "NOT_FOUND" });
  });

  it("Check also answers over the Connect protocol (HTTP/1.1 JSON)", async () => {
    const response = await fetch(`${mesh.baseUrl}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(await response.json()).toEqual({ status: "SERVING" });
  });

  it("Watch of an unknown service sends SERVICE_UNKNOWN and stays open", async () => {
    const stream = watch(mesh.port, "no.such.Service");
    await waitUntil(() => stream.statuses.length > 0, { timeoutMs: 5000 });
    stream.cancel();
    expect({ statuses: stream.statuses, ended: await stream.ended }).toEqual({
      statuses: ["SERVICE_UNKNOWN"],
      ended: "CANCELLED",
    });
  });

  it("Watch sees SERVING, then NOT_SERVING once SIGTERM arrives, then the stream ends", async () => {
    const stream = watch(mesh.port, "");
    const modelMesh = watch(mesh.port, "mmesh.ModelMesh");
    await waitUntil(() => stream.statuses.length > 0 && modelMesh.statuses.length > 0, { timeoutMs: 5000 });
    const stopped = mesh.stop();
    await waitUntil(() => stream.statuses.includes("NOT_SERVING"), {
      timeoutMs: 10_000,
      description: "Watch never sent NOT_SERVING after SIGTERM",
    });
    // While the instance drains, the port still answers, and Check agrees with Watch.
    expect(["NOT_SERVING", "UNAVAILABLE"]).toContain(await check(mesh.port, ""));
    expect({ ended: await stream.ended, exit: await stopped }).toEqual({ ended: "OK", exit: 0 });
    expect(stream.statuses).toEqual(["SERVING", "NOT_SERVING"]);
    expect(modelMesh.statuses).toEqual(["SERVING", "NOT_SERVING"]);
  }, 60_000);
});

describe("gRPC server reflection", () => {
  let mesh: TestMesh;
  beforeAll(async () => {
    mesh = await startMesh({ name: "reflection" });
  }, 120_000);
  afterAll(() => mesh?.stop());

  for (const version of ["v1", "v1alpha"] as const) {
    it(`${version}: lists the served services`, async () => {
      const [answer] = await reflect(mesh.port, version, [
        { messageRequest: { case: "listServices", value: "" } },
      ]);
      expect(answer?.messageResponse.case).toBe("listServicesResponse");
      const names =
        answer?.messageResponse.case === "listServicesResponse"
          ? answer.messageResponse.value.service.map((s) => s.name)
          : [];
      expect(names.sort()).toEqual([
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "inference.GRPCInferenceService",
        "mmesh.ModelMesh",
      ]);
    });
  }

  it("describes mmesh.ModelMesh from the descriptors it sends (file_containing_symbol)", async () => {
    const answers = await reflect(mesh.port, "v1", [
      { messageRequest: { case: "fileContainingSymbol", value: "mmesh.ModelMesh" } },
      { messageRequest: { case: "fileContainingSymbol", value: "mmesh.ModelMesh.registerModel" } },
      { messageRequest: { case: "fileContainingSymbol", value: "no.such.Symbol" } },
    ]);
    const files = answers.map((a) =>
      a.messageResponse.case === "fileDescriptorResponse"
        ? a.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b))
        : [],
    );
    expect(files[1]?.map((f) => f.name)).toEqual(["model-mesh.proto"]);
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files[0] ?? [] }));
    const service = registry.getService("mmesh.ModelMesh");
    expect(
      service?.methods.map((m) => `${m.name}(${m.input.typeName}) returns (${m.output.typeName})`),
    ).toEqual([
      "registerModel(mmesh.RegisterModelRequest) returns (mmesh.ModelStatusInfo)",
      "unregisterModel(mmesh.UnregisterModelRequest) returns (mmesh.UnregisterModelResponse)",
      "getModelStatus(mmesh.GetStatusRequest) returns (mmesh.ModelStatusInfo)",
      "ensureLoaded(mmesh.EnsureLoadedRequest) returns (mmesh.ModelStatusInfo)",
      "setVModel(mmesh.SetVModelRequest) returns (mmesh.VModelStatusInfo)",
      "deleteVModel(mmesh.DeleteVModelRequest) returns (mmesh.DeleteVModelResponse)",
      "getVModelStatus(mmesh.GetVModelStatusRequest) returns (mmesh.VModelStatusInfo)",
    ]);
    expect(registry.getMessage("mmesh.RegisterModelRequest")?.fields.map((f) => f.name)).toContain("modelId");
    const error = answers[2]?.messageResponse;
    expect(error?.case === "errorResponse" ? error.value.errorCode : undefined).toBe(5);
  });

  it("over HTTP/1.1 (Connect) reflection, a bidi stream, is refused cleanly", async () => {
    const response = await fetch(`${mesh.baseUrl}/grpc.reflection.v1.ServerReflection/ServerReflectionInfo`, {
      method: "POST",
      headers: { "content-type": "application/connect+json" },
      body: new Uint8Array([0, 0, 0, 0, 2, 123, 125]),
    });
    // 505 HTTP Version Not Supported: bidirectional streams need HTTP/2.
    expect(response.status).toBe(505);
    expect(await check(mesh.port, "")).toBe("SERVING");
  });

  it("file_by_filename answers the file, and the KServe V2 service is complete", async () => {
    const [answer] = await reflect(mesh.port, "v1alpha", [
      { messageRequest: { case: "fileByFilename", value: "grpc_predict_v2.proto" } },
    ]);
    const protos =
      answer?.messageResponse.case === "fileDescriptorResponse"
        ? answer.messageResponse.value.fileDescriptorProto.map((b) =>
            fromBinary(FileDescriptorProtoSchema, b),
          )
        : [];
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: protos }));
    expect(registry.getService("inference.GRPCInferenceService")?.methods.map((m) => m.name)).toEqual(
      expect.arrayContaining(["ServerLive", "ServerReady", "ServerMetadata", "ModelInfer", "ModelMetadata"]),
    );
  });
});
