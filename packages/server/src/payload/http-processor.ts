import type { Logger } from "@modelmesh/core";
import type { Payload, PayloadProcessor } from "./payload.js";
import { remotePayloadBody } from "./remote-body.js";

/** How long one POST may take before it is abandoned (ms): a stuck consumer must not hold a worker. */
export const HTTP_PROCESSOR_TIMEOUT_MS = 10_000;

/**
 * A processor that POSTs each payload as JSON ({@link remotePayloadBody}) to `url`. An answer
 * other than 200 and a failed request are logged at warn; nothing is retried.
 */
export function httpPayloadProcessor(url: string, logger: Logger): PayloadProcessor {
  return {
    name: url,
    async process(payload: Payload): Promise<void> {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(remotePayloadBody(payload)),
          signal: AbortSignal.timeout(HTTP_PROCESSOR_TIMEOUT_MS),
        });
        // Drain the body so the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        if (response.status !== 200) {
          logger.warn(
            { url, payloadId: payload.id, httpStatus: response.status },
            "payload processor endpoint did not accept a payload",
          );
        }
      } catch (error) {
        logger.warn(
          { url, payloadId: payload.id, reason: error instanceof Error ? error.message : String(error) },
          "sending a payload to its processor failed",
        );
      }
    },
  };
}
