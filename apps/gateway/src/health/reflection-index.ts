import { createRegistry, type DescFile, type DescService, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/** What server reflection can tell about: the services served and every file they come from. */
export interface ReflectionIndex {
  /** Fully-qualified names of the services, in the order given. */
  readonly serviceNames: readonly string[];
  /** The file with this name (as given to the compiler), if one of the indexed files. */
  fileByName(name: string): DescFile | undefined;
  /**
   * The file declaring a fully-qualified symbol: a service, method, message, field, enum, enum
   * value or extension (the same lookups grpcurl's `describe` makes).
   */
  fileBySymbol(symbol: string): DescFile | undefined;
  /** `file` and every file it imports, directly or not, first `file` itself; encoded. */
  encodedWithDependencies(file: DescFile, skip: ReadonlySet<string>): { name: string; bytes: Uint8Array }[];
}

// `DescFile.name` drops the ".proto" suffix; reflection uses the compiler's file name.
function fileName(file: DescFile): string {
  return file.proto.name;
}

function withDependencies(file: DescFile, into: Map<string, DescFile>): void {
  if (into.has(fileName(file))) return;
  into.set(fileName(file), file);
  for (const dependency of file.dependencies) withDependencies(dependency, into);
}

function parentOf(symbol: string): string | undefined {
  const dot = symbol.lastIndexOf(".");
  return dot <= 0 ? undefined : symbol.slice(0, dot);
}

/**
 * Builds the lookups server reflection needs from service descriptors (protobuf-es), which carry
 * their files' `FileDescriptorProto`s, so no .proto file is read at run time.
 */
export function createReflectionIndex(services: readonly DescService[]): ReflectionIndex {
  const files = new Map<string, DescFile>();
  for (const service of services) withDependencies(service.file, files);
  const registry = createRegistry(...files.values());
  const encoded = new Map<string, Uint8Array>();
  const encode = (file: DescFile) => {
    let bytes = encoded.get(fileName(file));
    if (bytes === undefined) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      encoded.set(fileName(file), bytes);
    }
    return bytes;
  };
  const declaring = (symbol: string): DescFile | undefined => {
    const desc = registry.get(symbol);
    return desc === undefined ? undefined : desc.file;
  };
  return {
    serviceNames: services.map((s) => s.typeName),
    fileByName: (name) => files.get(name),
    fileBySymbol(symbol) {
      const direct = declaring(symbol);
      if (direct !== undefined) return direct;
      // A method, field or enum value: its parent (service, message, enum) is in the registry.
      const parent = parentOf(symbol);
      const member = symbol.slice((parent?.length ?? -1) + 1);
      const owner = parent === undefined ? undefined : registry.get(parent);
      if (owner === undefined) return undefined;
      switch (owner.kind) {
        case "service":
          return owner.methods.some((m) => m.name === member) ? owner.file : undefined;
        case "message":
          return owner.fields.some((f) => f.name === member) || owner.oneofs.some((o) => o.name === member)
            ? owner.file
            : undefined;
        case "enum":
          return owner.values.some((v) => v.name === member) ? owner.file : undefined;
        default:
          return undefined;
      }
    },
    encodedWithDependencies(file, skip) {
      const all = new Map<string, DescFile>();
      withDependencies(file, all);
      return [...all.values()]
        .filter((f) => f === file || !skip.has(fileName(f)))
        .map((f) => ({ name: fileName(f), bytes: encode(f) }));
    },
  };
}
