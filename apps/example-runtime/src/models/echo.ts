import type { ServableModel } from "./types.js";

/**
 * The stand-in model behind the test knob paths (`SIZE_...`, `FAIL_...`), like the original's
 * example runtime: predict answers `classification for <text> by model <id>` with confidence 1,
 * and ModelInfer returns its inputs as outputs. It reports `sizeBytes`, whatever it holds.
 */
export function echoModel(modelId: string, sizeBytes: number): ServableModel {
  return {
    kind: "echo",
    sizeBytes,
    inputs: [{ name: "input", datatype: "BYTES", shape: [-1] }],
    outputs: [{ name: "input", datatype: "BYTES", shape: [-1] }],
    predictText: (text) => [{ category: `classification for ${text} by model ${modelId}`, confidence: 1 }],
    infer: (inputs) => inputs,
  };
}
