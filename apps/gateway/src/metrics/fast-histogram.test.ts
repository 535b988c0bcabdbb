import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FastHistogram } from "./fast-histogram.js";

describe("FastHistogram", () => {
  const buckets = [0.5, 1, 2000, 67108864];
  const observations: [string[], number][] = [
    [["predict", "OK"], 0.3],
    [["predict", "OK"], 1],
    [["predict", "OK"], 1.5],
    [["predict", 'we"ird\\\nvalue'], 99999999],
    [["other", "NOT_FOUND"], 2000],
  ];

  it("writes exactly what prom-client writes for the same observations", async () => {
    const registry = new Registry();
    const reference = new Histogram({
      name: "x_milliseconds",
      help: "Some help",
      labelNames: ["method", "code"],
      buckets,
      registers: [registry],
    });
    const fast = new FastHistogram({
      name: "x_milliseconds",
      help: "Some help",
      labelNames: ["method", "code"],
      buckets,
    });
    const children = new Map<string, ReturnType<FastHistogram["child"]>>();
    for (const [labels, value] of observations) {
      reference.labels(...labels).observe(value);
      const key = labels.join("\u0000");
      if (!children.has(key)) children.set(key, fast.child(labels));
      children.get(key)?.observe(value);
    }
    expect(fast.render()).toBe(await registry.getSingleMetricAsString("x_milliseconds"));
  });

  it("writes an unlabelled histogram as prom-client does", async () => {
    const registry = new Registry();
    const reference = new Histogram({ name: "y_bytes", help: "h", buckets, registers: [registry] });
    const fast = new FastHistogram({ name: "y_bytes", help: "h", labelNames: [], buckets });
    const child = fast.child([]);
    expect(fast.render()).toBe(await registry.getSingleMetricAsString("y_bytes"));
    for (const v of [3, 0.25, 1e9]) {
      reference.observe(v);
      child.observe(v);
    }
    expect(fast.render()).toBe(await registry.getSingleMetricAsString("y_bytes"));
  });

  it("leaves out labelled children never observed", () => {
    const fast = new FastHistogram({ name: "w", help: "h", labelNames: ["a"], buckets });
    fast.child(["unused"]);
    expect(fast.render()).toBe("# HELP w h\n# TYPE w histogram");
  });

  it("refuses a child with the wrong number of label values", () => {
    const fast = new FastHistogram({ name: "z", help: "h", labelNames: ["a"], buckets });
    expect(() => fast.child([])).toThrow(/1 label values expected, got 0/);
  });
});
