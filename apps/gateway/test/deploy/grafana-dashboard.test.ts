import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { METRICS } from "../../src/metrics/metric-catalog.js";

const path = fileURLToPath(new URL("../../../../deploy/grafana/modelmesh.json", import.meta.url));

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
}

describe("deploy/grafana/modelmesh.json", () => {
  const dashboard = JSON.parse(readFileSync(path, "utf8")) as { panels: Panel[]; uid: string };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  it("queries only series the mesh exports", () => {
    const exported = new Set<string>(Object.values(METRICS).map((m) => m.name));
    const used = new Set(exprs.flatMap((e) => e.match(/modelmesh_[a-z_]+/g) ?? []));
    const unknown = [...used].filter((name) => !exported.has(name.replace(/_(bucket|count|sum)$/, "")));
    expect(unknown).toEqual([]);
  });

  it("charts every Prometheus series of the catalog", () => {
    const used = exprs.join("\n");
    // Not charted: the StatsD-only counts, the request queue this version does not have, and the
    // LRU timestamp (the LRU age chart shows the same).
    const skipped = new Set(["modelmesh_req_queue_delay_milliseconds", "modelmesh_instance_lru_seconds"]);
    const missing = Object.values(METRICS)
      .filter((m) => m.kind !== "statsdCount" && !skipped.has(m.name))
      .filter((m) => !used.includes(m.name))
      .map((m) => m.name);
    expect(missing).toEqual([]);
  });

  it("gives every chart a query", () => {
    for (const panel of dashboard.panels.filter((p) => p.type !== "row")) {
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
    }
  });
});
