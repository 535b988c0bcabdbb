import { extractField, spliceField } from "@modelmesh/core";
import { formatNs, measureSync } from "./lib/measure.js";
import { reportResults } from "./lib/report.js";

// Protobuf field-path splice (§2.9) on a 1 MiB request: the model id lives at a 2-level path
// ([2, 1]: a string inside an embedded message), after a 1 MiB bytes field, the way a tensor
// payload precedes small metadata. Throughput counts the 1 MiB payload.
const PAYLOAD_BYTES = 1024 * 1024;

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function lengthDelimited(field: number, content: Uint8Array): Uint8Array {
  return Uint8Array.from([...varint(field * 8 + 2), ...varint(content.length), ...content]);
}

const payload = new Uint8Array(PAYLOAD_BYTES).map((_, i) => (i * 131) & 0xff);
const meta = lengthDelimited(2, lengthDelimited(1, new TextEncoder().encode("model-current-id")));
const payloadHead = Uint8Array.from([...varint(1 * 8 + 2), ...varint(payload.length)]);
const request = new Uint8Array(payloadHead.length + payload.length + meta.length);
request.set(payloadHead, 0);
request.set(payload, payloadHead.length);
request.set(meta, payloadHead.length + payload.length);

/** The same bytes arranged so the id's container also holds the payload: its length changes too. */
const innerId = lengthDelimited(1, new TextEncoder().encode("model-current-id"));
const innerPayloadHead = Uint8Array.from([...varint(3 * 8 + 2), ...varint(payload.length)]);
const containerLength = innerId.length + innerPayloadHead.length + payload.length;
const containerHead = Uint8Array.from([...varint(2 * 8 + 2), ...varint(containerLength)]);
const nested = new Uint8Array(containerHead.length + containerLength);
nested.set(containerHead, 0);
nested.set(innerId, containerHead.length);
nested.set(innerPayloadHead, containerHead.length + innerId.length);
nested.set(payload, containerHead.length + innerId.length + innerPayloadHead.length);

const path = [2, 1];
const cases = [
  {
    scenario: "splice a longer id (length prefixes rewritten, one copy)",
    op: () => spliceField(request, path, "model-with-a-longer-id-0001"),
  },
  {
    scenario: "splice a longer id inside the 1 MiB container (its length rewritten, one copy)",
    op: () => spliceField(nested, path, "model-with-a-longer-id-0001"),
  },
  {
    scenario: "splice an id of the same length (one copy)",
    op: () => spliceField(request, path, "model-replaced-id"),
  },
  {
    scenario: "splice the id already present (no copy)",
    op: () => spliceField(request, path, "model-current-id"),
  },
  { scenario: "extract the id", op: () => extractField(request, path) },
];

for (const c of cases) {
  const out = c.op();
  if (out === undefined) throw new Error(`${c.scenario}: nothing produced`);
}
for (const message of [request, nested]) {
  if (extractField(spliceField(message, path, "x"), path) !== "x")
    throw new Error("splice round trip failed");
}

const rows = cases.map(({ scenario, op }) => {
  const m = measureSync(scenario, op, { batchSize: 10, batches: 200, warmupBatches: 20 });
  return {
    scenario,
    median: formatNs(m.medianNs),
    p99: formatNs(m.p99Ns),
    "GB/s": (PAYLOAD_BYTES / m.medianNs).toFixed(2),
  };
});
reportResults("core-splice", rows, [
  `Request: ${request.length} bytes (1 MiB bytes field, then the id at path [2, 1]). Target: ≥ 1 GB/s.`,
]);
