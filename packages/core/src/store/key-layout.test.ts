import { describe, expect, it } from "vitest";
import { createStoreLayout, parseKvStorePrefix, tableKey, tableKeyPrefix } from "./key-layout.js";

describe("store key layout (§1.2)", () => {
  it("builds /<prefix>/<service>/<table>/<id>, with tas-runtime by default", () => {
    const layout = createStoreLayout({ serviceName: "modelmesh-serving" });
    expect(tableKey(layout, "registry", "my-model__isvc-1")).toBe(
      "/tas-runtime/modelmesh-serving/registry/my-model__isvc-1",
    );
    expect(tableKeyPrefix(layout, "leaderLatch")).toBe("/tas-runtime/modelmesh-serving/leaderLatch/");
    expect(tableKey(createStoreLayout({ kvStorePrefix: "mm", serviceName: "s" }), "config", "disable")).toBe(
      "/mm/s/config/disable",
    );
  });

  it("validates MM_KVSTORE_PREFIX and the service name", () => {
    expect(parseKvStorePrefix(undefined)).toEqual({ ok: true, value: "tas-runtime" });
    expect(parseKvStorePrefix("")).toEqual({ ok: true, value: "tas-runtime" });
    expect(parseKvStorePrefix("a/b")).toMatchObject({ ok: false });
    expect(parseKvStorePrefix("a b")).toMatchObject({
      ok: false,
      error: expect.stringContaining("MM_KVSTORE_PREFIX"),
    });
    expect(() => createStoreLayout({ serviceName: "" })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => createStoreLayout({ serviceName: "a/b" })).toThrow(/service name/);
    expect(() => createStoreLayout({ kvStorePrefix: "x\ty", serviceName: "s" })).toThrow(/MM_KVSTORE_PREFIX/);
  });
});
