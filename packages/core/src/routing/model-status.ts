import type { MeshError } from "../errors.js";
import type { ModelRecord } from "../records/types.js";

/** Model status values of `ModelStatusInfo` (§13.2). */
export type ModelStatus = "LOADED" | "LOADING" | "LOADING_FAILED" | "NOT_LOADED" | "NOT_FOUND" | "UNKNOWN";

/** One copy in a status answer: `UNKNOWN` for registered copies (loaded or loading), or a failure. */
export interface ModelCopyInfo {
  /** Instance id. */
  readonly location: string;
  readonly copyStatus: "UNKNOWN" | "LOADING_FAILED";
  /** Load start or failure time, epoch ms. */
  readonly timeMs: number;
}

/** The contents of a `ModelStatusInfo` answer. */
export interface ModelStatusDetails {
  readonly status: ModelStatus;
  /** Failure messages, most recent first. */
  readonly errors: readonly string[];
  /** Copies, most recent first (only for LOADED, LOADING and LOADING_FAILED). */
  readonly copies: readonly ModelCopyInfo[];
}

/** Options for {@link describeModelStatus}. */
export interface DescribeStatusOptions {
  readonly status: ModelStatus;
  readonly record?: ModelRecord;
  /** A load failure seen during the request, not yet in the record. */
  readonly failure?: MeshError;
  readonly nowMs: number;
}

/**
 * Builds a status answer as the original's `makeStatusInfo` (§13.2): registered copies as
 * UNKNOWN, failures as LOADING_FAILED with their messages (most recent first), and a failure
 * seen during the request but not yet recorded merged in at `nowMs`.
 */
export function describeModelStatus(options: DescribeStatusOptions): ModelStatusDetails {
  const { status, record, failure } = options;
  if (status !== "LOADED" && status !== "LOADING" && status !== "LOADING_FAILED") {
    return { status, errors: [], copies: [] };
  }
  const failedAt = new Map(Object.entries(record?.failedIn ?? {}));
  const messages = new Map(Object.entries(record?.failureMessages ?? {}));
  const copiesAt = new Map(Object.entries(record?.instanceIds ?? {}));
  const failedIn = failure?.details.instanceId;
  if (failure !== undefined && failedIn !== undefined && !failedAt.has(failedIn)) {
    failedAt.set(failedIn, options.nowMs);
    messages.set(failedIn, failure.message);
    copiesAt.delete(failedIn);
  }
  const copies: ModelCopyInfo[] = [...copiesAt].map(([location, timeMs]) => ({
    location,
    copyStatus: "UNKNOWN",
    timeMs,
  }));
  let errors: string[] = [];
  if (failedAt.size > 0) {
    errors = [...messages]
      .filter(([id]) => failedAt.has(id))
      .sort(([a], [b]) => (failedAt.get(b) as number) - (failedAt.get(a) as number))
      .map(([, message]) => message);
    for (const [location, timeMs] of failedAt)
      copies.push({ location, copyStatus: "LOADING_FAILED", timeMs });
  } else if (failure !== undefined && failure.message !== "") {
    errors = [failure.message];
  }
  copies.sort((a, b) => b.timeMs - a.timeMs);
  return { status, errors, copies };
}
