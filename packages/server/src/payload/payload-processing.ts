import type { Logger } from "@modelmesh/core";
import { type CompressedData, inflateMessages } from "./compressed-data.js";
import { httpPayloadProcessor } from "./http-processor.js";
import { loggerPayloadProcessor } from "./logger-processor.js";
import type { Payload, PayloadProcessor } from "./payload.js";
import { matchesPayloadFilter, type PayloadFilter } from "./payload-filter.js";
import { PayloadQueue, type QueuedPayload } from "./payload-queue.js";
import type { PayloadProcessorSpec } from "./processor-uri.js";

/** `MM_PAYLOAD_PROCESSORS` and its queue settings, as `createModelMesh` takes them. */
export interface PayloadProcessingOptions {
  /** Parsed with `parsePayloadProcessors`; at least one. */
  readonly processors: readonly PayloadProcessorSpec[];
  /** `MM_PAYLOAD_PROCESSORS_CAPACITY`: payloads waiting at most. Default 64. */
  readonly capacity?: number;
  /** `MM_PAYLOAD_PROCESSORS_THREADS`: payloads processed at once. Default 2. */
  readonly workers?: number;
  /** How often drops are reported, ms. Default 60 000. */
  readonly dropLogIntervalMs?: number;
  /** Largest message a compressed payload's data may inflate to (bytes). Default 16 MiB. */
  readonly maxMessageBytes?: number;
}

/** The running payload processors of one mesh instance. */
export interface PayloadProcessing {
  /**
   * Hands one payload to the processors without waiting; false when it was dropped. With
   * `compressed`, its data is inflated on a worker before the processors see it.
   */
  submit(payload: Payload, compressed?: CompressedData): boolean;
  /** A fresh payload id (shared by a call's request and response). */
  nextId(): string;
  /** Payloads dropped so far because the queue was full. */
  readonly dropped: number;
  /** Processes what is queued (at most `timeoutMs`), then stops. */
  close(timeoutMs: number): Promise<void>;
}

interface Filtered {
  readonly filter: PayloadFilter;
  readonly processor: PayloadProcessor;
}

function processorOf(spec: PayloadProcessorSpec, logger: Logger): PayloadProcessor {
  return spec.kind === "logger" ? loggerPayloadProcessor(logger) : httpPayloadProcessor(spec.url, logger);
}

/** The payload of `queued` with its compressed messages inflated (data left out when they do not inflate). */
async function withData(queued: QueuedPayload, maxBytes: number): Promise<Payload> {
  if (queued.compressed === undefined) return queued.payload;
  return { ...queued.payload, data: await inflateMessages(queued.compressed, maxBytes) };
}

/**
 * Starts the payload processors (docs/payload-processors.md): each payload goes through a
 * bounded queue to every processor whose filter it passes, one processor after the other.
 * Payload ids are `<idPrefix>-<n>`.
 */
export function startPayloadProcessing(
  options: PayloadProcessingOptions,
  deps: { readonly logger: Logger; readonly idPrefix: string },
): PayloadProcessing {
  const logger = deps.logger.child({ component: "payload-processors" });
  const processors: Filtered[] = options.processors.map((spec) => ({
    filter: spec.filter,
    processor: processorOf(spec, logger),
  }));
  const queue = new PayloadQueue({
    capacity: options.capacity ?? 64,
    workers: options.workers ?? 2,
    logger,
    ...(options.dropLogIntervalMs === undefined ? {} : { dropLogIntervalMs: options.dropLogIntervalMs }),
    async handle(queued) {
      const payload = await withData(queued, options.maxMessageBytes ?? 16 * 1024 * 1024);
      for (const { filter, processor } of processors) {
        if (matchesPayloadFilter(filter, payload)) await processor.process(payload);
      }
    },
  });
  logger.info(
    { processors: options.processors.map((p) => p.uri), capacity: options.capacity ?? 64 },
    "payload processors started",
  );
  let counter = 0;
  return {
    submit: (payload, compressed) =>
      queue.offer(compressed === undefined ? { payload } : { payload, compressed }),
    nextId: () => `${deps.idPrefix}-${++counter}`,
    get dropped() {
      return queue.dropped;
    },
    async close(timeoutMs) {
      await queue.close(timeoutMs);
      for (const { processor } of processors) processor.close?.();
    },
  };
}
