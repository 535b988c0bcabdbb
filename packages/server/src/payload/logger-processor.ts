import type { Logger } from "@modelmesh/core";
import type { Payload, PayloadProcessor } from "./payload.js";

/**
 * A processor that writes one info line per payload (`msg: "payload"`) with its id, kind, model,
 * vmodel, method, status and data size under the `payload` field; the bytes themselves are not
 * logged.
 */
export function loggerPayloadProcessor(logger: Logger): PayloadProcessor {
  return {
    name: "logger",
    process(payload: Payload): Promise<void> {
      logger.info(
        {
          payload: {
            id: payload.id,
            kind: payload.kind,
            modelId: payload.modelId,
            vModelId: payload.vModelId ?? null,
            method: payload.method,
            status: payload.status ?? null,
            dataBytes: payload.data?.byteLength ?? 0,
          },
        },
        "payload",
      );
      return Promise.resolve();
    },
  };
}
