import { type PayloadProcessorSpec, parsePayloadProcessors } from "@modelmesh/server";
import { integer, text } from "../parsers.js";
import type { ConfigReader } from "../reader.js";

/** `MM_PAYLOAD_PROCESSORS` and its queue (docs/payload-processors.md). */
export interface PayloadProcessorsSection {
  /** The processors, parsed; empty when the option is unset. */
  readonly processors: readonly PayloadProcessorSpec[];
  /** `MM_PAYLOAD_PROCESSORS_CAPACITY`: payloads waiting at most; more are dropped and counted. */
  readonly capacity: number;
  /** `MM_PAYLOAD_PROCESSORS_THREADS`: payloads processed at once. */
  readonly workers: number;
}

/** Reads the payload processor options; every invalid URI is reported. */
export function readPayloadProcessorsSection(r: ConfigReader): PayloadProcessorsSection {
  const raw = r.read(
    {
      env: "MM_PAYLOAD_PROCESSORS",
      description: "space-separated payload processor URIs (logger://, http://, https://)",
    },
    text,
  );
  const capacity = r.read(
    {
      env: "MM_PAYLOAD_PROCESSORS_CAPACITY",
      description: "payloads queued for the processors at most; more are dropped",
      default: 64,
    },
    integer(1, 1_000_000),
  );
  const workers = r.read(
    {
      env: "MM_PAYLOAD_PROCESSORS_THREADS",
      description: "payloads processed at the same time",
      default: 2,
    },
    integer(1, 256),
  );
  const { specs, errors } = parsePayloadProcessors(raw ?? "");
  for (const error of errors) r.fail(`MM_PAYLOAD_PROCESSORS: ${error}`);
  return { processors: specs, capacity, workers };
}
