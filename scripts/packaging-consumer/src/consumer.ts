// Registers a model with a running mesh and reads its status, through the published packages only:
// `node dist/consumer.js http://127.0.0.1:<port>`. Type-checking this file is half the check: with
// two copies of @bufbuild/protobuf, `create(...)` and `createClient(ModelMesh, ...)` do not compile.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  GetStatusRequestSchema,
  ModelMesh,
  ModelStatusInfo_ModelStatus,
  RegisterModelRequestSchema,
} from "@modelmesh/proto";

const baseUrl = process.argv[2];
if (baseUrl === undefined) throw new Error("usage: consumer.js <mesh base URL>");

// The .proto files ship in the package, where proto-loader and grpcurl users look for them.
const protoDir = join(
  dirname(createRequire(import.meta.url).resolve("@modelmesh/proto/package.json")),
  "proto",
);
if (!existsSync(join(protoDir, "model-mesh.proto"))) throw new Error(`no model-mesh.proto in ${protoDir}`);

const client = createClient(ModelMesh, createGrpcTransport({ baseUrl }));
const request = create(RegisterModelRequestSchema, {
  modelId: "packaging-iris",
  modelInfo: { type: "example", path: "iris-tree" },
  loadNow: true,
  sync: true,
});
await client.registerModel(request);
const status = await client.getModelStatus(create(GetStatusRequestSchema, { modelId: request.modelId }));
const name = ModelStatusInfo_ModelStatus[status.status];
if (status.status !== ModelStatusInfo_ModelStatus.LOADED) {
  throw new Error(`getModelStatus(${request.modelId}) answered ${name}, expected LOADED`);
}
console.log(`getModelStatus(${request.modelId}): ${name}, ${status.modelCopyInfos.length} copy`);
