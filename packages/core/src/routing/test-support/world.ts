import type { MeshError } from "../../errors.js";
import { createInstanceTable } from "../../placement/instance-table.js";
import { createManualClock, type ManualClock } from "../../ports/clock.js";
import { createSeededRandom } from "../../ports/random.js";
import type { InstanceRecord, ModelRecord } from "../../records/types.js";
import { nextRouteStep } from "../next-step.js";
import { recordRouteOutcome } from "../record-outcome.js";
import { startRoute } from "../route-state.js";
import type {
  LocalCopyView,
  RouteOutcome,
  RouteRequest,
  RouteStep,
  RoutingContext,
  TypeConstraintView,
} from "../types.js";

/** The test clock's start. */
export const T0 = 1_700_000_000_000;

/** A small cluster as routing sees it, built from plain objects. */
export interface WorldOptions {
  readonly selfId?: string;
  readonly instances: Readonly<Record<string, InstanceRecord>>;
  readonly models?: Readonly<Record<string, ModelRecord>>;
  readonly cache?: Readonly<Record<string, LocalCopyView>>;
  readonly inFlight?: Readonly<Record<string, number>>;
  readonly lastUsed?: Readonly<Record<string, number>>;
  readonly unreachable?: readonly string[];
  readonly typeConstraints?: TypeConstraintView;
  readonly selfRecord?: InstanceRecord;
  readonly minSpaceUnits?: number;
  readonly minChurnAgeMs?: number;
  readonly assumeLoadedAfterMs?: number;
  readonly seed?: number;
}

/** A routing context over fakes that implement the real view interfaces. */
export function createWorld(options: WorldOptions): { ctx: RoutingContext; clock: ManualClock } {
  const clock = createManualClock(T0);
  const models = new Map(Object.entries(options.models ?? {}));
  const cache = new Map(Object.entries(options.cache ?? {}));
  const unreachable = new Set(options.unreachable ?? []);
  const selfRecord = options.selfRecord;
  const ctx: RoutingContext = {
    models,
    instances: createInstanceTable({
      records: new Map(Object.entries(options.instances)),
      selfId: options.selfId ?? "self",
      minSpaceUnits: options.minSpaceUnits ?? 1000,
      minChurnAgeMs: options.minChurnAgeMs ?? 60_000,
    }),
    ...(selfRecord === undefined ? {} : { freshSelfRecord: () => selfRecord }),
    cache,
    peers: {
      isReachable: (id) => !unreachable.has(id),
      inFlight: (id) => options.inFlight?.[id] ?? 0,
      lastUsedMs: (id) => options.lastUsed?.[id] ?? 0,
    },
    loadTimes: { assumeLoadedAfterMs: () => options.assumeLoadedAfterMs ?? 3000 },
    ...(options.typeConstraints === undefined ? {} : { typeConstraints: options.typeConstraints }),
    clock,
    random: createSeededRandom(options.seed ?? 1),
  };
  return { ctx, clock };
}

/** How the scripted driver answers a step: success, or an outcome to feed back. */
export type Answer = "ok" | RouteOutcome;

/** What a scripted run did. */
export interface RunResult {
  /** Steps in order, abbreviated: `kind` or `kind:instanceId`. */
  readonly trace: readonly string[];
  /** The last step: the one answered "ok", or a final `status`/`fail`. */
  readonly last: RouteStep;
}

function describeStep(step: RouteStep): string {
  if (step.kind === "forward-hit" || step.kind === "forward-load") return `${step.kind}:${step.instanceId}`;
  if (step.kind === "fail") return `fail:${step.error.code}`;
  if (step.kind === "status") return `status:${step.status}`;
  return step.kind;
}

/** A failed outcome for `error`. */
export function failed(error: MeshError, localCopyGone = false): RouteOutcome {
  return localCopyGone ? { kind: "failed", error, localCopyGone } : { kind: "failed", error };
}

/**
 * Drives a route the way the server will (start, next, perform, record), answering each
 * step with `answer`, for at most 50 steps.
 */
export function runRoute(
  request: RouteRequest,
  ctx: RoutingContext,
  answer: (step: RouteStep) => Answer,
): RunResult {
  const state = startRoute(request, ctx);
  const trace: string[] = [];
  for (let i = 0; i < 50; i++) {
    const step = nextRouteStep(state, ctx);
    trace.push(describeStep(step));
    if (step.kind === "fail" || step.kind === "status") return { trace, last: step };
    const outcome = answer(step);
    if (outcome === "ok") return { trace, last: step };
    recordRouteOutcome(state, outcome);
  }
  throw new Error(`route did not end: ${trace.join(" ")}`);
}
