import {
  createLoadTimeTracker,
  DEFAULT_MULTI_PARALLELISM,
  fullThresholdUnits,
  instanceRecordCodec,
  type MeshSession,
  modelRecordCodec,
  noopLogger,
  unloadBufferUnits,
  WeightedLruCache,
} from "@modelmesh/core";
import type { CopyData } from "./cache/copy-data.js";
import { SpaceSignal } from "./cache/space-signal.js";
import { createInferenceHandler, type InferenceCounters } from "./inference/handle-inference.js";
import { LoadQueue } from "./loading/load-queue.js";
import type { MeshContext } from "./mesh-context.js";
import type { ModelMesh, ModelMeshOptions } from "./model-mesh.js";
import { resolveTimings } from "./options/timings.js";
import { createRoutingView } from "./routing/routing-view.js";
import { registerModelMeshService } from "./service/model-mesh-service.js";
import { shutdownMesh } from "./shutdown.js";
import { InstancePublisher } from "./tasks/instance-publisher.js";
import { buildInstanceRecord } from "./tasks/instance-record.js";
import { Janitor } from "./tasks/janitor.js";
import { watchRegistryDeletions } from "./tasks/registry-watch.js";
import { RequestRate } from "./tasks/request-rate.js";
import { systemClock, systemRandom } from "./util/system-ports.js";

/** Builds the shared context: tables and mirrors, the cache sized from the runtime, the queue. */
function createContext(options: ModelMeshOptions, publish: () => void): MeshContext {
  const { store, runtime, identity } = options;
  const parameters = runtime.parameters;
  const clock = options.clock ?? systemClock;
  const sizing = {
    capacityUnits: parameters.capacityUnits,
    loadingThreads: parameters.loadingConcurrency,
    defaultModelSizeUnits: parameters.defaultModelSizeUnits,
  };
  const registry = store.table("registry", modelRecordCodec);
  const instances = store.table("instances", instanceRecordCodec);
  return {
    selfId: identity.instanceId,
    identity,
    clock,
    random: options.random ?? systemRandom,
    logger: (options.logger ?? noopLogger).child({
      component: "model-mesh",
      instanceId: identity.instanceId,
    }),
    runtime,
    timings: resolveTimings(options.timings, parameters.loadTimeoutMs),
    registry,
    registryMirror: registry.mirror(),
    instances,
    instancesMirror: instances.mirror(),
    cache: new WeightedLruCache<CopyData>({
      capacityUnits: parameters.capacityUnits,
      reserveUnits: unloadBufferUnits(sizing),
      clock,
    }),
    queue: new LoadQueue(parameters.loadingConcurrency),
    loadTimes: createLoadTimeTracker({ loadTimeoutMs: parameters.loadTimeoutMs }),
    minSpaceUnits: fullThresholdUnits(sizing),
    lifecycle: { shuttingDown: false },
    space: new SpaceSignal(),
    requests: new RequestRate(clock),
    requestPublish: publish,
  };
}

/**
 * Creates one mesh instance over a store and a READY runtime (design §4, §5): the
 * `mmesh.ModelMesh` service, the inference pass-through with its load queue and cache, and the
 * background tasks (instance record publisher, janitor). The store mirrors start loading at once;
 * calls are refused (UNAVAILABLE) and no task runs until {@link ModelMesh.start} has finished.
 */
export function createModelMesh(options: ModelMeshOptions): ModelMesh {
  let publisher: InstancePublisher | undefined;
  const ctx = createContext(options, () => publisher?.request());
  const janitor = new Janitor(ctx);
  const startTimeMs = ctx.clock.nowMs();
  const view = createRoutingView(ctx, () =>
    buildInstanceRecord(ctx, { startTimeMs, shutdown: ctx.lifecycle.shuttingDown }),
  );
  const counters: InferenceCounters = { inFlight: 0 };
  const state = { started: false, session: undefined as MeshSession | undefined, stopWatch: () => {} };
  const accepting = () => state.started && !ctx.lifecycle.shuttingDown;
  let startPromise: Promise<void> | undefined;
  let shutdownPromise: Promise<void> | undefined;
  const handleInference = createInferenceHandler({
    ctx,
    view,
    counters,
    maxMessageBytes: options.maxMessageBytes,
    dataplane: options.dataplane,
    multiParallelism: Math.max(1, options.multiModelParallelism ?? DEFAULT_MULTI_PARALLELISM),
    accepting,
  });
  return {
    registerServices: (router) => registerModelMeshService(router, { ctx, view, accepting }),
    handleInference,
    start() {
      startPromise ??= (async () => {
        await Promise.all([ctx.registryMirror.ready, ctx.instancesMirror.ready]);
        view.invalidate();
        state.stopWatch = watchRegistryDeletions(ctx);
        state.session = await options.store.openSession();
        publisher = new InstancePublisher(ctx, state.session, startTimeMs);
        await publisher.start();
        janitor.start();
        state.started = true;
        ctx.logger.info({ capacityUnits: ctx.cache.stats().capacityUnits }, "mesh instance started");
      })();
      return startPromise;
    },
    get ready() {
      return accepting();
    },
    get inFlight() {
      return counters.inFlight;
    },
    shutdown(deadlineMs) {
      shutdownPromise ??= shutdownMesh({
        ctx,
        deadlineMs,
        counters,
        janitor,
        publisher,
        session: state.session,
        stop: () => {
          state.stopWatch();
          view.close();
        },
      });
      return shutdownPromise;
    },
  };
}
