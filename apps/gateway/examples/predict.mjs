#!/usr/bin/env node
// Calls a model through the mesh with gRPC: mmesh.ExamplePredictor/predict, the model named by
// the mm-model-id header (or a vmodel by mm-vmodel-id with --vmodel), as any gRPC client would.
//
//   node apps/gateway/examples/predict.mjs [--vmodel] <id> "<text>" [http://localhost:8033]
//
// Uses the repository's built packages (scripts/quickstart builds them).
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ExamplePredictor } from "@modelmesh/proto";

const args = process.argv.slice(2);
const byVModel = args[0] === "--vmodel";
const [modelId, text, address = "http://localhost:8033"] = byVModel ? args.slice(1) : args;
if (!modelId || text === undefined) {
  console.error('usage: node apps/gateway/examples/predict.mjs [--vmodel] <id> "<text>" [address]');
  process.exit(2);
}
const predictor = createClient(ExamplePredictor, createGrpcTransport({ baseUrl: address }));
try {
  const { results } = await predictor.predict(
    { text },
    { headers: { [byVModel ? "mm-vmodel-id" : "mm-model-id"]: modelId }, timeoutMs: 30_000 },
  );
  for (const { category, confidence } of results.filter((r) => r.category !== ""))
    console.log(`${category}\t${confidence.toFixed(3)}`);
} catch (error) {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
}
