import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shippedModelsDir } from "../config.js";
import { loadModelFile, resolveModelFile } from "./model-file.js";
import type { Tensor } from "./types.js";

const load = async (name: string) => loadModelFile(await resolveModelFile(name, shippedModelsDir));
const numeric = (name: string, datatype: "FP32" | "FP64", shape: number[], values: number[]): Tensor => ({
  name,
  datatype,
  shape,
  data: { t: "numeric", values: Float64Array.from(values) },
});
const decoder = new TextDecoder();

describe("shipped models", () => {
  it("sentiment tells positive from negative text", async () => {
    const model = await load("sentiment");
    expect(model.kind).toBe("text-classifier");
    const positive = model.predictText("I love it, the quality is great and the staff were friendly");
    const negative = model.predictText("Terrible, a complete waste of money, never again");
    expect(positive[0]).toMatchObject({ category: "positive" });
    expect(positive[0]?.confidence).toBeGreaterThan(0.8);
    expect(negative[0]).toMatchObject({ category: "negative" });
    expect(negative[0]?.confidence).toBeGreaterThan(0.8);
    expect(positive.reduce((sum, s) => sum + s.confidence, 0)).toBeCloseTo(1, 9);
  });

  it("sentiment answers BYTES tensors through infer", async () => {
    const model = await load("sentiment");
    const encoder = new TextEncoder();
    const [probabilities, label] = model.infer([
      {
        name: "text",
        datatype: "BYTES",
        shape: [2],
        data: {
          t: "bytes",
          values: [encoder.encode("awesome, I like it"), encoder.encode("awful and rude")],
        },
      },
    ]);
    expect(probabilities).toMatchObject({ name: "probabilities", shape: [2, 2] });
    expect(label?.data.t === "bytes" && label.data.values.map((v) => decoder.decode(v))).toEqual([
      "positive",
      "negative",
    ]);
  });

  it("iris-tree classifies the three species", async () => {
    const model = await load("iris-tree");
    expect(model.predictText("5.1, 3.5, 1.4, 0.2")[0]).toEqual({ category: "setosa", confidence: 1 });
    expect(model.predictText("6.0 2.9 4.5 1.5")[0]).toEqual({ category: "versicolor", confidence: 49 / 54 });
    expect(model.predictText("6.7,3.1,5.6,2.4")[0]).toEqual({ category: "virginica", confidence: 45 / 46 });
    const [probabilities, label] = model.infer([
      numeric("features", "FP64", [2, 4], [5.1, 3.5, 1.4, 0.2, 6.7, 3.1, 5.6, 2.4]),
    ]);
    expect(probabilities?.datatype).toBe("FP64");
    expect(probabilities?.data.t === "numeric" && Array.from(probabilities.data.values)).toEqual([
      1,
      0,
      0,
      0,
      1 / 46,
      45 / 46,
    ]);
    expect(label?.data.t === "bytes" && label.data.values.map((v) => decoder.decode(v))).toEqual([
      "setosa",
      "virginica",
    ]);
  });

  it("housing-linear recovers the law its data was drawn from", async () => {
    const model = await load("housing-linear");
    const [price] = model.infer([numeric("features", "FP32", [2, 3], [100, 3, 10, 50, 1, 60])]);
    const expected = [40_000 + 2_500 * 100 + 8_000 * 3 - 600 * 10, 40_000 + 2_500 * 50 + 8_000 - 600 * 60];
    const values = price?.data.t === "numeric" ? Array.from(price.data.values) : [];
    for (const [i, v] of values.entries()) {
      expect(Math.abs(v - (expected[i] ?? 0)) / (expected[i] ?? 1)).toBeLessThan(0.03);
    }
    expect(price).toMatchObject({ name: "price_eur", datatype: "FP32", shape: [2] });
    expect(model.predictText("100, 3, 10")[0]?.category).toMatch(/^price_eur=3\d{5}/);
  });

  it("admission-logistic admits strong applicants and rejects weak ones", async () => {
    const model = await load("admission-logistic");
    expect(model.predictText("90, 90")[0]?.category).toBe("admitted");
    expect(model.predictText("90, 90")[0]?.confidence).toBeGreaterThan(0.9);
    expect(model.predictText("40, 40")[0]?.category).toBe("rejected");
  });

  it("report their size from their data structures", async () => {
    const sentiment = await load("sentiment");
    const tree = await load("iris-tree");
    // 2 classes × 8 bytes × ~200 words at least, and more than the tiny tree.
    expect(sentiment.sizeBytes).toBeGreaterThan(200 * 16);
    expect(sentiment.sizeBytes).toBeGreaterThan(tree.sizeBytes);
    expect(tree.sizeBytes).toBeGreaterThan(0);
  });

  it("reject inputs of the wrong shape", async () => {
    const model = await load("iris-tree");
    expect(() => model.infer([numeric("features", "FP32", [1, 3], [1, 2, 3])])).toThrow(/shape \[N, 4\]/);
    expect(() => model.predictText("1, 2")).toThrow(/expected 4 comma-separated numbers/);
  });
});

describe("loadModelFile()", () => {
  const dir = mkdtempSync(join(tmpdir(), "mm-models-"));
  const cases = [
    { name: "not JSON", content: "{", error: /not valid JSON/ },
    { name: "unknown kind", content: '{"kind":"svm"}', error: /unknown "kind" "svm"/ },
    {
      name: "missing weights",
      content: '{"kind":"linear-regression","features":["a"],"output":"y","bias":0}',
      error: /"weights" must be an array/,
    },
    {
      name: "wrong weight count",
      content: '{"kind":"linear-regression","features":["a"],"output":"y","weights":[1,2],"bias":0}',
      error: /"weights" must hold 1 numbers, not 2/,
    },
    {
      name: "a tree with a cycle",
      content:
        '{"kind":"decision-tree","features":["a"],"classes":["x","y"],"nodes":[{"feature":0,"threshold":1,"left":0,"right":0}]}',
      error: /nodes\[0\] needs a feature/,
    },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}`, async () => {
      const file = join(dir, `${c.name}.json`);
      writeFileSync(file, c.content);
      await expect(loadModelFile(file)).rejects.toThrow(c.error);
    });
  }

  it("says where it looked for a missing model", async () => {
    await expect(resolveModelFile("no-such-model", shippedModelsDir)).rejects.toThrow(
      /no model at "no-such-model"/,
    );
  });
});
