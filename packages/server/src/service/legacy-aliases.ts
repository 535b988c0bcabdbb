import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { ModelMesh } from "@modelmesh/proto";

/** The service name of the original's predecessor API, still accepted (§2.1). */
const TAS_RUNTIME = "com.ibm.watson.tas.proto.TasRuntime";

/** Legacy method names and the current methods they mean (§2.1). */
const renamed = { addModel: "registerModel", deleteModel: "unregisterModel" } as const;

/** A method descriptor served under another service and/or method name (same messages). */
function aliasOf(method: DescMethod, name: string, parent: DescService): DescMethod {
  return { ...method, name, parent };
}

/**
 * Serves the legacy names of the management API (§2.1): `mmesh.ModelMesh/addModel` and
 * `deleteModel` (registerModel / unregisterModel), and every method under the old service name
 * `com.ibm.watson.tas.proto.TasRuntime`, with the same messages and behaviour.
 */
export function registerLegacyAliases(router: ConnectRouter, impl: ServiceImpl<typeof ModelMesh>): void {
  const tasRuntime: DescService = { ...ModelMesh, typeName: TAS_RUNTIME };
  const serve = (method: DescMethod, handler: unknown) => router.rpc(method, handler as never);
  for (const [legacyName, current] of Object.entries(renamed)) {
    const method = ModelMesh.method[current];
    serve(aliasOf(method, legacyName, ModelMesh), impl[current]);
    serve(aliasOf(method, legacyName, tasRuntime), impl[current]);
  }
  for (const method of ModelMesh.methods) {
    serve(aliasOf(method, method.name, tasRuntime), impl[method.localName as keyof typeof impl]);
  }
}
