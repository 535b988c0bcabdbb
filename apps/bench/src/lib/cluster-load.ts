import { ConnectError } from "@connectrpc/connect";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import type { ClusterInstance } from "./cluster-instance.js";

/** One inference call made by {@link startServiceLoad}. */
export interface CallSample {
  /** Start, ms on `performance.now()`'s clock. */
  readonly startMs: number;
  readonly latencyMs: number;
  /** Undefined when the call succeeded with the expected answer; else the error's code name or message. */
  readonly error?: string;
  /** Name of the member the call went to. */
  readonly member: string;
  /** The model the answer names (`classification for … by model <id>`), when it names one. */
  readonly answeredBy?: string;
}

/** Options for {@link startServiceLoad}. */
export interface ServiceLoadOptions {
  /** The members calls may go to (read again on every call, so replaced members are picked up). */
  readonly endpoints: () => readonly ClusterInstance[];
  /** Models to call, in turn (vmodels when `idHeader` is `mm-vmodel-id`). */
  readonly models: readonly string[];
  /**
   * Header naming the model of each call. Default `mm-model-id`, where an answer must name the
   * model called; with `mm-vmodel-id` any model may answer (the vmodel's active one), and
   * {@link CallSample.answeredBy} says which.
   */
  readonly idHeader?: "mm-model-id" | "mm-vmodel-id";
  /** Concurrent callers. */
  readonly concurrency: number;
  /** Per-call deadline. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Readiness poll period. Default 100 ms. */
  readonly readinessPeriodMs?: number;
}

/** A running load; {@link ServiceLoad.stop} ends it and returns every call made. */
export interface ServiceLoad {
  /** Calls finished so far. */
  readonly samples: readonly CallSample[];
  /** When the first call started (`performance.now()`), once one has. */
  firstCallMs(): number | undefined;
  /** Names of the members currently considered ready. */
  readyMembers(): string[];
  stop(): Promise<CallSample[]>;
}

const errorName = (error: unknown): string =>
  error instanceof ConnectError
    ? `${error.code}:${error.rawMessage.slice(0, 80)}`
    : String(error).slice(0, 80);

/** The model an example-runtime answer names: `classification for <text> by model <id>`. */
function answeringModel(category: string): string | undefined {
  return /by model (\S+)$/.exec(category)?.[1];
}

/**
 * Drives a steady closed-loop load the way clients behind a Kubernetes Service see a set of pods:
 * a poller marks members ready only while their `/ready` answers 200 (every `readinessPeriodMs`,
 * much faster than a kubelet's default 10 s), and `concurrency` callers send
 * `ExamplePredictor/predict` round-robin to the ready members only, without retries. A failed call
 * is counted, never hidden; while no member is ready callers wait (not counted as calls).
 */
export function startServiceLoad(options: ServiceLoadOptions): ServiceLoad {
  const samples: CallSample[] = [];
  const ready = new Set<string>();
  let running = true;
  let turn = 0;
  let firstCallMs: number | undefined;
  const period = options.readinessPeriodMs ?? 100;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const idHeader = options.idHeader ?? "mm-model-id";

  const poll = async () => {
    while (running) {
      const members = options.endpoints();
      const states = await Promise.all(members.map((m) => m.ready(1000)));
      ready.clear();
      members.forEach((m, i) => {
        if (states[i]) ready.add(m.name);
      });
      await new Promise((resolve) => setTimeout(resolve, period));
    }
  };

  const caller = async () => {
    while (running) {
      const candidates = options.endpoints().filter((m) => ready.has(m.name));
      // Every (model, member) pair in turn, so no model sticks to one member.
      const modelId = options.models[turn % options.models.length] ?? "";
      const member = candidates[Math.floor(turn / options.models.length) % Math.max(1, candidates.length)];
      turn++;
      if (member === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const startMs = performance.now();
      firstCallMs ??= startMs;
      let error: string | undefined;
      let answeredBy: string | undefined;
      try {
        const answer = await member.predictor.predict(
          { text: "load" },
          { headers: { [idHeader]: modelId }, timeoutMs },
        );
        answeredBy = answeringModel(answer.results[0]?.category ?? "");
        if (idHeader === "mm-model-id" ? answeredBy !== modelId : answeredBy === undefined)
          error = "wrong answer";
      } catch (e) {
        error = errorName(e);
      }
      samples.push({
        startMs,
        latencyMs: performance.now() - startMs,
        member: member.name,
        ...(error === undefined ? {} : { error }),
        ...(answeredBy === undefined ? {} : { answeredBy }),
      });
    }
  };

  const poller = poll();
  const callers = Array.from({ length: options.concurrency }, caller);
  return {
    samples,
    firstCallMs: () => firstCallMs,
    readyMembers: () => [...ready],
    async stop() {
      running = false;
      await Promise.all([poller, ...callers]);
      return samples;
    },
  };
}

/** Waits until `load` considers `count` members ready (or `timeoutMs` passes). */
export async function waitForReadyMembers(
  load: ServiceLoad,
  count: number,
  timeoutMs = 30_000,
): Promise<void> {
  await waitUntil(() => load.readyMembers().length >= count, {
    timeoutMs,
    intervalMs: 50,
    description: `${count} members ready`,
  });
}
