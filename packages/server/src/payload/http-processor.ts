import type { Logger } from "@modelmesh/core";
import type { Payload, PayloadProcessor } from "./payload.js";
import { remotePayloadBody } from "./remote-body.js";

/** How long one POST may take before it is abandoned (ms): a stuck consumer must not hold a worker. */
export const HTTP_PROCESSOR_TIMEOUT_MS = 10_000;

/** Failures of one endpoint are logged at most this often (ms); the lines between are counted. */
export const HTTP_PROCESSOR_FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * A processor that POSTs each payload as JSON ({@link remotePayloadBody}) to `url`. An answer
 * other than 200 and a failed request are logged at warn, at most once per
 * {@link HTTP_PROCESSOR_FAILURE_LOG_INTERVAL_MS} with the number of failures left unlogged (an
 * unreachable consumer would otherwise write a line per payload); nothing is retried.
 */
export function httpPayloadProcessor(
  url: string,
  logger: Logger,
  now: () => number = Date.now,
): PayloadProcessor {
  let lastLogMs = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  const failed = (fields: Record<string, unknown>, message: string) => {
    if (now() - lastLogMs < HTTP_PROCESSOR_FAILURE_LOG_INTERVAL_MS) {
      unlogged++;
      return;
    }
    lastLogMs = now();
    logger.warn({ url, ...fields, failuresNotLogged: unlogged }, message);
    unlogged = 0;
  };
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
          failed(
            { payloadId: payload.id, httpStatus: response.status },
            "payload processor endpoint did not accept a payload",
          );
        }
      } catch (error) {
        failed(
          { payloadId: payload.id, reason: error instanceof Error ? error.message : String(error) },
          "sending a payload to its processor failed",
        );
      }
    },
  };
}
