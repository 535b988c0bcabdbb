import {
  BootstrapClearance,
  createLoadTimeTracker,
  DEFAULT_MULTI_PARALLELISM,
  fullThresholdUnits,
  instanceRecordCodec,
  MeshError,
  type MeshSession,
  modelRecordCodec,
  noopLogger,
  noopMeshMetrics,
  unloadBufferUnits,
  vmodelRecordCodec,
  WeightedLruCache,
} from "@modelmesh/core";
import type { CopyData } from "./cache/copy-data.js";
import { SpaceSignal } from "./cache/space-signal.js";
import { ClusterDuties } from "./cluster/cluster-duties.js";
import { ModelRates } from "./cluster/model-rates.js";
import { TypeConstraints } from "./cluster/type-constraints.js";
import { readTypeConstraintsFile, watchTypeConstraintsFile } from "./cluster/type-constraints-file.js";
import { createInferenceHandler, type InferenceCounters } from "./inference/handle-inference.js";
import { DEFAULT_STREAM_LIMITS } from "./inference/stream-limits.js";
import { LoadQueue } from "./loading/load-queue.js";
import type { MeshContext } from "./mesh-context.js";
import { ClusterGauges } from "./metrics/cluster-gauges.js";
import { ZERO_INSTANCE_STATS } from "./metrics/instance-stats.js";
import type { ModelMesh, ModelMeshOptions } from "./model-mesh.js";
import { resolveTimings } from "./options/timings.js";
import { type PayloadProcessing, startPayloadProcessing } from "./payload/payload-processing.js";
import { peerCopyRequester } from "./peer-wiring/peer-copy-requester.js";
import { createPeerService } from "./peer-wiring/peer-service.js";
import { createRoutingView } from "./routing/routing-view.js";
import { VanishedPeers } from "./routing/vanished-peers.js";
import { registerKServeServerCalls } from "./service/kserve-server-service.js";
import { registerModelMeshService } from "./service/model-mesh-service.js";
import { drainMesh, shutdownMesh } from "./shutdown.js";
import { refuseLiveDuplicate } from "./startup/duplicate-instance.js";
import { meshStaticDeps } from "./startup/mesh-static-deps.js";
import { runStaticRegistration } from "./startup/static-models.js";
import { DynamicConfig } from "./tasks/dynamic-config.js";
import { InstancePublisher } from "./tasks/instance-publisher.js";
import { buildInstanceRecord } from "./tasks/instance-record.js";
import { Janitor } from "./tasks/janitor.js";
import { watchRegistryDeletions } from "./tasks/registry-watch.js";
import { RequestRate } from "./tasks/request-rate.js";
import { serverPackageVersion } from "./util/package-version.js";
import { systemClock, systemRandom } from "./util/system-ports.js";
import type { VModelTables } from "./vmodels/records.js";
import { setVModel } from "./vmodels/set-vmodel.js";
import { VModelTransitions } from "./vmodels/transitions.js";
import type { VModelDeps } from "./vmodels/vmodel-deps.js";

/** Builds the shared context: tables and mirrors, the cache sized from the runtime, the queue. */
/** `BOOTSTRAP_CLEARANCE_PERIOD_MS` default (§9.6). */
const DEFAULT_BOOTSTRAP_CLEARANCE_MS = 180_000;

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
  const instancesMirror = instances.mirror();
  const vanishedPeers = new VanishedPeers({ clock, selfId: identity.instanceId });
  // Subscribed first, so it has seen an event before anything derived from the table is rebuilt.
  instancesMirror.subscribe((event) => vanishedPeers.observe(event));
  return {
    selfId: identity.instanceId,
    identity,
    clock,
    random: options.random ?? systemRandom,
    logger: (options.logger ?? noopLogger).child({
      component: "model-mesh",
      instanceId: identity.instanceId,
    }),
    metrics: options.metrics ?? noopMeshMetrics,
    runtime,
    timings: resolveTimings(
      // In read-only mode the reaper's first pass comes after 1 min instead of 2, as in the original.
      options.readOnly === true && options.timings?.reaperFirstRunMs === undefined
        ? { ...options.timings, reaperFirstRunMs: 60_000 }
        : options.timings,
      parameters.loadTimeoutMs,
    ),
    registry,
    registryMirror: registry.mirror(),
    instances,
    instancesMirror,
    vanishedPeers,
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
    modelRates: new ModelRates(),
    evictionListeners: new Set(),
    logEachInvoke: options.logEachInvoke === true,
    readOnly: options.readOnly === true,
    maxInFlightPerCopy: options.maxInFlightPerCopy ?? 0,
    tracer: options.tracer,
    bootstrap: new BootstrapClearance({
      enabled: options.bootstrapClearance?.enabled ?? true,
      periodMs: options.bootstrapClearance?.periodMs ?? DEFAULT_BOOTSTRAP_CLEARANCE_MS,
      startMs: clock.nowMs(),
    }),
    requestPublish: publish,
  };
}

/** True while the instance table holds another instance's record marked `shutdown`. */
function anotherShuttingDown(ctx: MeshContext): boolean {
  for (const [id, versioned] of ctx.instancesMirror.entries()) {
    if (id !== ctx.selfId && versioned.value.shutdown) return true;
  }
  return false;
}

/** The type constraints of `options` (§9.7); a file is read now and hot-reloaded later. */
function createTypeConstraints(options: ModelMeshOptions): TypeConstraints {
  if (options.typeConstraints !== undefined && options.typeConstraintsPath !== undefined) {
    throw new MeshError("INVALID_ARGUMENT", "give type constraints inline or as a file path, not both");
  }
  if (options.typeConstraintsPath !== undefined) {
    return new TypeConstraints(readTypeConstraintsFile(options.typeConstraintsPath));
  }
  return new TypeConstraints(options.typeConstraints ?? {});
}

/**
 * Creates one mesh instance over a store and a READY runtime (design §4, §5): the
 * `mmesh.ModelMesh` service, the inference pass-through with its load queue and cache, and the
 * background tasks (instance record publisher, janitor, cluster duties: rate check and scaling,
 * leader election with the reaper and proactive loading). The store mirrors start loading at once;
 * calls are refused (UNAVAILABLE) and no task runs until {@link ModelMesh.start} has finished.
 */
export function createModelMesh(options: ModelMeshOptions): ModelMesh {
  let publisher: InstancePublisher | undefined;
  const ctx = createContext(options, () => publisher?.request());
  const startTimeMs = ctx.clock.nowMs();
  const freshSelf = () => buildInstanceRecord(ctx, { startTimeMs, shutdown: ctx.lifecycle.shuttingDown });
  const constraints = createTypeConstraints(options);
  const streamLimits = options.streamLimits ?? DEFAULT_STREAM_LIMITS;
  const peerService = createPeerService(ctx, options.maxMessageBytes, {
    stream: streamLimits,
    ...(options.peerConnectionLimits === undefined ? {} : { connection: options.peerConnectionLimits }),
    ...(options.peerTls === undefined ? {} : { tls: options.peerTls }),
  });
  const view = createRoutingView(ctx, freshSelf, constraints, peerService?.link);
  const vmodelsTable = options.store.table("vmodels", vmodelRecordCodec);
  const tables: VModelTables = {
    vmodels: vmodelsTable,
    vmodelsMirror: vmodelsTable.mirror(),
    transaction: (ops, call) => options.store.transaction(ops, call),
  };
  const vmodels: VModelDeps = {
    ctx,
    view,
    tables,
    ...(options.defaultVModelOwner === undefined ? {} : { defaultOwner: options.defaultVModelOwner }),
  };
  // Assigned right after: the transitions ask the cluster duties who leads.
  let isLeader = () => false;
  const transitions = new VModelTransitions(vmodels, () => isLeader());
  const clusterGauges = new ClusterGauges(ctx);
  const copyRequester =
    options.copyRequester ?? peerCopyRequester(peerService, { ctx, view, constraints, freshSelf });
  const cluster = new ClusterDuties({
    ctx,
    store: options.store,
    view,
    constraints,
    freshSelf,
    ...(options.scaleUpRpmThreshold === undefined
      ? {}
      : { scaleUpRpmThreshold: options.scaleUpRpmThreshold }),
    ...(copyRequester === undefined ? {} : { copyRequester }),
    leaderHooks: {
      gained: () => {
        clusterGauges.gained();
        transitions.processAll();
      },
      lost: () => {
        clusterGauges.lost();
        transitions.reset();
      },
      pass: () => transitions.processAll(),
    },
  });
  isLeader = () => cluster.leadership.isLeader;
  const janitor = new Janitor(ctx, () => cluster.scaleDown());
  const stopConstraintsWatch =
    options.typeConstraintsPath === undefined
      ? () => {}
      : watchTypeConstraintsFile(
          options.typeConstraintsPath,
          (config) => constraints.setConfig(config),
          ctx.logger,
        );
  const staticDeps = meshStaticDeps(ctx, view, {
    setVModel: async (model) => {
      const info = model.modelInfo;
      await setVModel(
        vmodels,
        {
          vModelId: model.vModelId ?? "",
          targetModelId: model.modelId,
          updateOnly: false,
          modelInfo: {
            type: info.type,
            ...(info.path ? { path: info.path } : {}),
            ...(info.key ? { key: info.key } : {}),
          },
          autoDeleteTargetModel: model.retainAfterTransition !== true,
          loadNow: model.ensureLoaded === true,
          force: false,
        },
        { sync: false, balanced: false, call: { timeoutMs: ctx.timings.storeCallTimeoutMs } },
      );
    },
  });
  const counters: InferenceCounters = { inFlight: 0 };
  const state = {
    started: false,
    /** The static models are registered (and the `ensureLoaded` ones loaded). */
    staticRegistered: false,
    stopping: false,
    reportedReady: false,
    session: undefined as MeshSession | undefined,
    stopWatch: () => {},
  };
  // Calls are served until the last shutdown phase: a draining instance keeps serving its copies.
  const accepting = () => state.started && !state.stopping;
  let startPromise: Promise<void> | undefined;
  let drainPromise: Promise<void> | undefined;
  let shutdownPromise: Promise<void> | undefined;
  const drain = (deadlineMs: number) => {
    drainPromise ??= state.started
      ? drainMesh({ ctx, view, deadlineMs, publisher })
      : Promise.resolve().then(() => {
          ctx.lifecycle.shuttingDown = true;
        });
    return drainPromise;
  };
  const isReady = () => {
    if (!accepting() || !state.staticRegistered || ctx.lifecycle.shuttingDown) return false;
    if (ctx.bootstrap.abortReason !== undefined) return false;
    // Rolling updates (§9.4): a new instance waits while another one is migrating its models
    // away, so the update proceeds one migration at a time. Once ready, it stays ready.
    if (!state.reportedReady && anotherShuttingDown(ctx)) return false;
    state.reportedReady = true;
    return true;
  };
  let dataplane = options.dataplane;
  const payloads: PayloadProcessing | undefined =
    options.payloadProcessing === undefined || options.payloadProcessing.processors.length === 0
      ? undefined
      : startPayloadProcessing(
          { maxMessageBytes: options.maxMessageBytes, ...options.payloadProcessing },
          { logger: ctx.logger, idPrefix: ctx.selfId },
        );
  const dynamicConfig = new DynamicConfig({
    staticLogEachInvocation: ctx.logEachInvoke,
    logger: ctx.logger,
    targets: {
      setLogEachInvocation: (enabled) => {
        ctx.logEachInvoke = enabled;
      },
      ...(options.setLogLevel === undefined ? {} : { setLogLevel: options.setLogLevel }),
    },
  });
  const handleInference = createInferenceHandler({
    payloads,
    ctx,
    view,
    counters,
    maxMessageBytes: options.maxMessageBytes,
    dataplane: () => dataplane,
    vmodels: tables,
    multiParallelism: Math.max(1, options.multiModelParallelism ?? DEFAULT_MULTI_PARALLELISM),
    logRequestHeaders: options.logRequestHeaders,
    accepting,
    streamLimits,
  });
  return {
    registerServices(router, services = {}) {
      registerModelMeshService(router, { ctx, view, accepting, vmodels });
      registerKServeServerCalls(router, {
        isReady: services.isReady ?? isReady,
        version: ctx.identity.serviceVersion ?? serverPackageVersion(),
      });
    },
    handleInference,
    setDataplane(config) {
      dataplane = config;
    },
    start() {
      startPromise ??= (async () => {
        if (ctx.readOnly) ctx.logger.warn({}, "RUNNING IN READ-ONLY KV-STORE MODE");
        // A service disabled in the store's config does not start (before anything is published).
        await dynamicConfig.start(options.store.config());
        await Promise.all([ctx.registryMirror.ready, ctx.instancesMirror.ready, tables.vmodelsMirror.ready]);
        view.invalidate();
        state.stopWatch = watchRegistryDeletions(ctx);
        await refuseLiveDuplicate(ctx);
        await peerService?.listen(
          view,
          () => state.started,
          () => dataplane,
        );
        state.session = await options.store.openSession();
        ctx.vanishedPeers.follow(state.session);
        publisher = new InstancePublisher(ctx, state.session, startTimeMs);
        await publisher.start();
        janitor.start();
        transitions.start();
        await cluster.start(state.session);
        state.started = true;
        ctx.logger.info({ capacityUnits: ctx.cache.stats().capacityUnits }, "mesh instance started");
        // Once calls are accepted, as the original (after joining the leader election); the
        // instance is not ready before its static models are registered and loaded.
        if (ctx.readOnly && (options.staticModels?.length ?? 0) > 0) {
          ctx.logger.warn({}, "read-only mode: the static model registrations are skipped");
        } else {
          await runStaticRegistration(options.staticModels ?? [], staticDeps);
        }
        state.staticRegistered = true;
      })();
      return startPromise;
    },
    get ready() {
      return isReady();
    },
    get inFlight() {
      return counters.inFlight;
    },
    get droppedPayloads() {
      return payloads?.dropped ?? 0;
    },
    get isLeader() {
      return cluster.leadership.isLeader;
    },
    drain,
    shutdown(deadlineMs) {
      shutdownPromise ??= drain(deadlineMs)
        .then(() => {
          state.stopping = true;
        })
        .then(() =>
          shutdownMesh({
            ctx,
            deadlineMs,
            counters,
            janitor,
            cluster,
            publisher,
            session: state.session,
            ...(peerService === undefined ? {} : { peerCallsDone: (d: number) => peerService.idle(d) }),
            stop: () => {
              dynamicConfig.close();
              clusterGauges.lost();
              stopConstraintsWatch();
              transitions.close();
              tables.vmodelsMirror.close();
              state.stopWatch();
              view.close();
            },
          }),
        )
        // Payloads of the last calls still go out, within what is left of the budget.
        .finally(() => payloads?.close(Math.max(0, deadlineMs - ctx.clock.nowMs())))
        .finally(() => {
          // The instance holds nothing any more: its gauges say so.
          ctx.metrics.instanceStats(ZERO_INSTANCE_STATS);
          return peerService?.close(deadlineMs);
        });
      return shutdownPromise;
    },
  };
}
