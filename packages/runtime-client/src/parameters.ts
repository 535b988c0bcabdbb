import { bytesToUnits, UNIT_SIZE_BYTES } from "@modelmesh/core";
import type { RuntimeStatusResponse } from "@modelmesh/proto";
import { forbiddenMethodMessage, notPermittedMessage } from "./method-names.js";

const MIB = 1024 * 1024;

/** The runtime's parameters from its READY `runtimeStatus` answer (§8.3), checked. */
export interface RuntimeParameters {
  /** Memory for models, bytes (`capacityInBytes`). */
  readonly capacityBytes: number;
  /** The same in 8 KiB cache units, rounded down. */
  readonly capacityUnits: number;
  /** Size assumed before a model's real size is known, bytes. */
  readonly defaultModelSizeBytes: number;
  /** The same in units, rounded up. */
  readonly defaultModelSizeUnits: number;
  /** How many loads may run at once (≥ 1). */
  readonly loadingConcurrency: number;
  /** How long one load may take, ms (≥ 100). */
  readonly loadTimeoutMs: number;
  /** Method name → id injection path; empty path = allowed without injection. Empty map = no list. */
  readonly idInjectionPaths: ReadonlyMap<string, readonly number[]>;
  /** Every method may be forwarded (true when the runtime gave no methodInfos, §8.3). */
  readonly allowAnyMethod: boolean;
  /** Latency-based mode (§5.4): each copy reports a max concurrency. */
  readonly limitModelConcurrency: boolean;
  /** Free-form version text, for information. */
  readonly runtimeVersion: string;
}

/** Result of {@link readRuntimeParameters}: the parameters, or every violation found. */
export type ParametersResult =
  | { readonly ok: true; readonly parameters: RuntimeParameters }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * The smallest capacity accepted (§4.1): `max(2 × default, min(512 MiB, 10 × default))`, in units.
 */
export function minimumCapacityUnits(defaultModelSizeUnits: number): number {
  return Math.max(2 * defaultModelSizeUnits, Math.min(bytesToUnits(512 * MIB), 10 * defaultModelSizeUnits));
}

/** Reads and checks the parameters of a READY status answer, reporting every violation (§8.3). */
export function readRuntimeParameters(response: RuntimeStatusResponse): ParametersResult {
  const errors: string[] = [];
  const capacityBytes = Number(response.capacityInBytes);
  const defaultModelSizeBytes = Number(response.defaultModelSizeInBytes);
  const capacityUnits = Math.floor(capacityBytes / UNIT_SIZE_BYTES);
  const defaultModelSizeUnits = bytesToUnits(defaultModelSizeBytes);
  if (defaultModelSizeBytes < UNIT_SIZE_BYTES) {
    errors.push(
      `defaultModelSizeInBytes must be at least 1 unit (${UNIT_SIZE_BYTES} bytes), got ${defaultModelSizeBytes}`,
    );
  }
  const minimumUnits = minimumCapacityUnits(defaultModelSizeUnits);
  if (capacityUnits < minimumUnits) {
    errors.push(
      `capacityInBytes must be at least ${minimumUnits * UNIT_SIZE_BYTES} bytes ` +
        `(max(2 × default, min(512 MiB, 10 × default)) for a default model size of ${defaultModelSizeBytes} bytes), ` +
        `got ${capacityBytes}`,
    );
  }
  if (response.maxLoadingConcurrency < 1) {
    errors.push(`maxLoadingConcurrency must be at least 1, got ${response.maxLoadingConcurrency}`);
  }
  if (response.modelLoadingTimeoutMs < 100) {
    errors.push(`modelLoadingTimeoutMs must be at least 100, got ${response.modelLoadingTimeoutMs}`);
  }
  if (errors.length > 0) return { ok: false, errors };
  const idInjectionPaths = new Map(
    Object.entries(response.methodInfos).map(([method, info]) => [
      method,
      Object.freeze([...info.idInjectionPath]),
    ]),
  );
  return {
    ok: true,
    parameters: Object.freeze({
      capacityBytes,
      capacityUnits,
      defaultModelSizeBytes,
      defaultModelSizeUnits,
      loadingConcurrency: response.maxLoadingConcurrency,
      loadTimeoutMs: response.modelLoadingTimeoutMs,
      idInjectionPaths,
      // No methodInfos ⇒ every method is allowed (§8.3).
      allowAnyMethod: idInjectionPaths.size === 0 || response.allowAnyMethod,
      limitModelConcurrency: response.limitModelConcurrency,
      runtimeVersion: response.runtimeVersion,
    }),
  };
}

/** May an inference method be forwarded to the runtime, and with which id injection path (§2.6.1)? */
export type MethodPolicy =
  | { readonly t: "allowed"; readonly idInjectionPath: readonly number[] }
  | { readonly t: "denied"; readonly message: string };

const noInjection: MethodPolicy = Object.freeze({ t: "allowed", idInjectionPath: Object.freeze([]) });

/**
 * Applies the runtime's method allow-list: `mmesh.ModelRuntime/*` (in any spelling) and
 * anything that is not a plain `package.Service/Method` name are never forwarded; with methodInfos
 * and without allowAnyMethod only listed methods are. Denials carry the original's UNIMPLEMENTED
 * message. `method` is the request path without its leading `/`.
 */
export function methodPolicy(parameters: RuntimeParameters, method: string): MethodPolicy {
  const denied = (): MethodPolicy => ({ t: "denied", message: notPermittedMessage(method) });
  if (forbiddenMethodMessage(method) !== undefined) return denied();
  const path = parameters.idInjectionPaths.get(method);
  if (path !== undefined) return path.length === 0 ? noInjection : { t: "allowed", idInjectionPath: path };
  return parameters.allowAnyMethod ? noInjection : denied();
}
