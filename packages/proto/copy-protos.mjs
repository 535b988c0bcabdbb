// Copies the repository's .proto files (the source of the generated code) into this package's
// proto/ folder, which is published: grpc-js proto-loader and grpcurl users load them from there.
import { cpSync, rmSync } from "node:fs";

const source = new URL("../../proto/", import.meta.url);
const target = new URL("./proto/", import.meta.url);
rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true, filter: (path) => !path.endsWith(".yaml") });
