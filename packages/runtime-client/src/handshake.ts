import { setTimeout as sleep } from "node:timers/promises";
import { type Logger, MeshError, noopLogger } from "@modelmesh/core";
import { RuntimeStatusResponse_Status } from "@modelmesh/proto";
import { describeEndpoint } from "./endpoints.js";
import { GrpcCode } from "./grpc-status.js";
import { type RuntimeManagementClient, statusOfCallError } from "./management-client.js";
import { type RuntimeParameters, readRuntimeParameters } from "./parameters.js";
import { describeStatus } from "./runtime-errors.js";

/** Options for {@link awaitRuntimeReady}. */
export interface HandshakeOptions {
  /** Pause between polls of one candidate, ms. Default 2000 (§8.2). */
  readonly pollIntervalMs?: number;
  /** Give up after this long, ms. Default 180 000 (§8.2). */
  readonly timeoutMs?: number;
  /** Aborts the wait (e.g. the process is shutting down). */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** The candidate that answered READY, and its checked parameters. */
export interface HandshakeResult {
  readonly client: RuntimeManagementClient;
  readonly parameters: RuntimeParameters;
}

/** Polls one candidate until READY; rejects only for a fatal answer or when `signal` aborts. */
async function pollCandidate(
  client: RuntimeManagementClient,
  context: {
    signal: AbortSignal;
    deadlineMs: number;
    pollIntervalMs: number;
    logger: Logger;
    seen: Map<string, string>;
  },
): Promise<HandshakeResult> {
  const where = describeEndpoint(client.endpoint);
  for (;;) {
    context.signal.throwIfAborted();
    const remainingMs = Math.max(1, Math.ceil(context.deadlineMs - performance.now()));
    const answer = await client.runtimeStatus(remainingMs, context.signal).catch((error: unknown) => {
      context.signal.throwIfAborted();
      return statusOfCallError(error);
    });
    if ("code" in answer) {
      // UNAVAILABLE: not listening yet. Other errors are logged and polled again, as the original.
      if (answer.code === GrpcCode.UNIMPLEMENTED) {
        throw new MeshError(
          "FAILED_PRECONDITION",
          `Model server at ${where} does not implement mmesh.ModelRuntime (the legacy ModelServer interface is not supported)`,
        );
      }
      const said = describeStatus(answer);
      // Log what a candidate says when it changes, not on every poll.
      if (context.seen.get(where) !== said) {
        context.logger.info({ endpoint: where, status: said }, "waiting for the model server");
      }
      context.seen.set(where, said);
    } else if (answer.status === RuntimeStatusResponse_Status.READY) {
      const result = readRuntimeParameters(answer);
      if (!result.ok) {
        throw new MeshError(
          "INVALID_ARGUMENT",
          `Model server at ${where} reported invalid parameters: ${result.errors.map((e, i) => `(${i + 1}) ${e}`).join("; ")}`,
        );
      }
      return { client, parameters: result.parameters };
    } else if (answer.status === RuntimeStatusResponse_Status.STARTING) {
      context.seen.set(where, "STARTING");
      context.logger.debug({ endpoint: where }, "model server is starting");
    } else {
      const name = RuntimeStatusResponse_Status[answer.status] ?? String(answer.status);
      throw new MeshError(
        "FAILED_PRECONDITION",
        `Model server at ${where} reported failing or unrecognized status during startup: ${name}`,
      );
    }
    // An abort ends the pause early; rethrow its reason (the timeout error), not Node's AbortError.
    await sleep(context.pollIntervalMs, undefined, { signal: context.signal }).catch(() =>
      context.signal.throwIfAborted(),
    );
  }
}

/**
 * The startup handshake (§8.2): polls `runtimeStatus` on every candidate at once until one
 * answers READY with valid parameters (the others are abandoned). STARTING and UNAVAILABLE keep
 * polling; FAILING, UNIMPLEMENTED or invalid parameters abort with a MeshError naming every
 * problem; when the time limit passes, rejects with `INSTANCE_UNAVAILABLE` "Model server
 * container did not start after N seconds" and what each candidate last said.
 */
export async function awaitRuntimeReady(
  clients: readonly RuntimeManagementClient[],
  options: HandshakeOptions = {},
): Promise<HandshakeResult> {
  options.signal?.throwIfAborted();
  const timeoutMs = options.timeoutMs ?? 180_000;
  const controller = new AbortController();
  const seen = new Map<string, string>();
  const context = {
    signal: controller.signal,
    deadlineMs: performance.now() + timeoutMs,
    pollIntervalMs: options.pollIntervalMs ?? 2000,
    logger: options.logger ?? noopLogger,
    seen,
  };
  const timeoutError = () => {
    const last = clients.map((c) => {
      const where = describeEndpoint(c.endpoint);
      return `${where}: ${seen.get(where) ?? "no answer"}`;
    });
    const seconds = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} seconds` : `${timeoutMs} ms`;
    return new MeshError(
      "INSTANCE_UNAVAILABLE",
      `Model server container did not start after ${seconds} (${last.join("; ")})`,
    );
  };
  const timer = setTimeout(() => controller.abort(timeoutError()), timeoutMs);
  const onOuterAbort = () =>
    controller.abort(new MeshError("CANCELLED", "runtime startup handshake cancelled"));
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  try {
    // The first candidate to settle decides: READY resolves, a fatal answer rejects, and the
    // time limit rejects every poll with the timeout error.
    return await new Promise<HandshakeResult>((resolve, reject) => {
      for (const client of clients) pollCandidate(client, context).then(resolve, reject);
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onOuterAbort);
    controller.abort(new MeshError("CANCELLED", "handshake finished"));
  }
}
