import { randomUUID } from "node:crypto";
import {
  createMeshStore,
  createStoreLayout,
  type KvStore,
  MeshError,
  type MeshStore,
  type RecordCodec,
} from "@modelmesh/core";
import { connectEtcdStore, type EtcdStoreOptions } from "../src/index.js";

/** A JSON codec that keeps every field, for tests that look at raw stored JSON. */
export const jsonCodec: RecordCodec<Record<string, unknown>> = {
  decode(text, key) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === "object" && value !== null && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // Reported below.
    }
    throw new MeshError("INVALID_DATA", `${key} does not hold a JSON object`, { key });
  },
  encode: (value) => JSON.stringify(value),
};

/** Connects to etcd and wraps the store for a service name (unique unless given). */
export async function connectMesh(
  hostPort: string | readonly string[],
  options: Partial<EtcdStoreOptions> & { rootPrefix?: string; serviceName?: string } = {},
): Promise<{ kv: KvStore; mesh: MeshStore; serviceName: string }> {
  const { rootPrefix = "", serviceName = `svc-${randomUUID().slice(0, 8)}`, ...rest } = options;
  const endpoints = typeof hostPort === "string" ? [hostPort] : hostPort;
  const kv = await connectEtcdStore({ connection: { endpoints, rootPrefix }, ...rest });
  return { kv, mesh: createMeshStore({ kv, layout: createStoreLayout({ serviceName }) }), serviceName };
}
