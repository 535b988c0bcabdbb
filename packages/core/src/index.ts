/**
 * @modelmesh/core: every decision of the mesh as pure code over plain data. No I/O, no timers,
 * no Node globals; time and randomness come in through the {@link Clock} and {@link Random} ports.
 *
 * Each block below belongs to one area of the package; keep exports explicit and named.
 */

// --- errors ---
export type { MeshErrorCode, MeshErrorDetails, MeshErrorOptions } from "./errors.js";
export { hasMeshErrorCode, isMeshError, MeshError, meshErrorCodes } from "./errors.js";

// --- ports ---
export type { Clock, ManualClock } from "./ports/clock.js";
export { createManualClock } from "./ports/clock.js";
export type { LogFields, Logger } from "./ports/logger.js";
export { noopLogger } from "./ports/logger.js";
export type { ClusterStats, InstanceStats, MeshMetrics, RequestObservation } from "./ports/mesh-metrics.js";
export { noopMeshMetrics } from "./ports/mesh-metrics.js";
export type { Random } from "./ports/random.js";
export { createSeededRandom, randomIndex } from "./ports/random.js";
export type { RecordCodec } from "./records/codec.js";
// --- records ---
export type { ExtraFields, InstanceRecord, ModelRecord, VModelRecord } from "./records/types.js";
export { bytesToUnits, UNIT_SIZE_BYTES } from "./records/types.js";

// --- records: codecs (issue 3) ---

export { instanceRecordCodec } from "./records/instance-record-codec.js";
export type { CreateModelRecordOptions, LoadFailure, RemoveCopyOptions } from "./records/model-record.js";
export {
  addCopy,
  addLoadFailure,
  createModelRecord,
  decRefCount,
  incRefCount,
  noExtraFields,
  removeCopy,
  removeLoadFailure,
  updateLastUsed,
} from "./records/model-record.js";
export { DEFAULT_MODEL_TYPE, modelRecordCodec } from "./records/model-record-codec.js";
export { vmodelRecordCodec } from "./records/vmodel-record-codec.js";

// --- cache (issue 3) ---

export type { CacheEntryState, CacheEntryStateKind } from "./cache/entry-state.js";
export {
  canTransition,
  holdsRuntimeMemory,
  isFinished,
  isPendingLoad,
  isServable,
} from "./cache/entry-state.js";
export type { ChurnDecision, ChurnInput, RuntimeSizing } from "./cache/sizing.js";
export {
  checkChurn,
  defaultAssumeLoadedAfterMs,
  defaultMinChurnAgeMs,
  fullThresholdUnits,
  minimumCapacityUnits,
  unloadBufferUnits,
} from "./cache/sizing.js";
export type {
  CacheEntry,
  CacheStats,
  DepartedEntry,
  InsertFailedOptions,
  InsertOptions,
  InsertResult,
  ResizeResult,
  StartLoadResult,
  UnloadOutcome,
  WeightedLruCacheOptions,
} from "./cache/types.js";
export { WeightedLruCache } from "./cache/weighted-lru-cache.js";

// --- placement, copy picker, routing (issue 3) ---

export { placementFilters } from "./placement/filters.js";
export type { InstanceTable, InstanceTableOptions } from "./placement/instance-table.js";
export { createInstanceTable } from "./placement/instance-table.js";
export { placeModel } from "./placement/place-model.js";
export type { OrderContext } from "./placement/placement-order.js";
export { comparePlacementOrder } from "./placement/placement-order.js";
export type {
  CandidateVerdict,
  PlacementContext,
  PlacementDecision,
  PlacementEntry,
  PlacementFilter,
  PlacementInput,
  PlacementResult,
  ReadonlySetLike,
} from "./placement/types.js";
export {
  FRESH_SET_MS,
  REPLACEMENT_EXPIRY_MS,
  REPLICA_SET_PREFIX_LENGTH,
  UPGRADE_WINDOW_MS,
  UpgradeTracker,
} from "./placement/upgrade-tracker.js";
export {
  formatCacheHitExcludes,
  formatCacheMissExcludes,
  formatHopType,
  parseCacheHitExcludes,
  parseCacheMissExcludes,
  parseHopType,
  routingContextKeys,
} from "./routing/context-keys.js";
export type { CopyPickOptions, SelfMode } from "./routing/copy-picker.js";
export { pickCopy } from "./routing/copy-picker.js";
export type {
  LoadTimeTracker,
  LoadTimeTrackerOptions,
  LoadTimeView,
  TimeStats,
} from "./routing/load-time-stats.js";
export { createLoadTimeTracker, createTimeStats } from "./routing/load-time-stats.js";
export type {
  DescribeStatusOptions,
  ModelCopyInfo,
  ModelStatus,
  ModelStatusDetails,
} from "./routing/model-status.js";
export { describeModelStatus } from "./routing/model-status.js";
export type { ModelCallResult, RequiredModels } from "./routing/multi-model.js";
export {
  combineMultiModel,
  DEFAULT_MULTI_PARALLELISM,
  multiModelFailureAction,
} from "./routing/multi-model.js";
export { nextRouteStep } from "./routing/next-step.js";
export { recordRouteOutcome } from "./routing/record-outcome.js";
export type { FailureClass } from "./routing/route-errors.js";
export {
  classifyFailure,
  DEFAULT_IN_USE_LOAD_FAILURE_EXPIRY_MS,
  MAX_ITERATIONS,
  MAX_LOAD_FAILURES,
  MAX_LOAD_LOCATIONS,
  MAX_RES_EXHAUSTED,
} from "./routing/route-errors.js";
export type { RoutePhase, RouteState } from "./routing/route-state.js";
export { startRoute } from "./routing/route-state.js";
export type {
  CopyRef,
  HopType,
  LocalCacheView,
  LocalCopyState,
  LocalCopyView,
  ModelTableView,
  PeerStatsView,
  RequestKind,
  RouteOutcome,
  RouteRequest,
  RouteStep,
  RoutingContext,
  TypeConstraintView,
} from "./routing/types.js";

// --- scaling and expiry rules (issue 3) ---

export type { BootstrapClearanceOptions, StartupFailureKind } from "./scaling/bootstrap-clearance.js";
export { BootstrapClearance, classifyStartupFailure } from "./scaling/bootstrap-clearance.js";
export type { FailureAge } from "./scaling/failure-expiry.js";
export { failureExpiryMs, inUseFailureExpiryMs, isFailureExpired } from "./scaling/failure-expiry.js";
export type { PartitionStats, ScalingOptions } from "./scaling/options.js";
export { defaultScalingOptions, resolveScalingOptions } from "./scaling/options.js";
export type {
  ProactiveCandidate,
  ProactiveInput,
  ProactiveSelection,
  ProactiveStats,
} from "./scaling/proactive.js";
export { isProactiveCandidate, selectProactiveLoads } from "./scaling/proactive.js";
export type {
  RateCheckAction,
  RateCheckInput,
  RateCheckResult,
  RateCheckSkipReason,
} from "./scaling/rate-check.js";
export { assessRateCheck } from "./scaling/rate-check.js";
export type {
  ScaleDownBudget,
  ScaleDownDecision,
  ScaleDownInput,
  ScaleDownKeepReason,
} from "./scaling/scale-down.js";
export {
  createScaleDownBudget,
  decideScaleDown,
  scaleDownBudgetAllows,
  spendScaleDownBudget,
} from "./scaling/scale-down.js";
export type { BusyInstancesInput, ScaleUpDecision, ScaleUpInput } from "./scaling/scale-up.js";
export {
  busyInstanceIds,
  decideScaleUp,
  isHeavyRpm,
  isRateCheckDue,
  loadedSince,
  requestsPerMinute,
} from "./scaling/scale-up.js";
export type { ObservedUse, SecondCopyWindow, UsageIterations } from "./scaling/second-copy.js";
export {
  NO_USAGE_ITERATIONS,
  observeUse,
  secondCopyAllowed,
  secondCopyWindow,
} from "./scaling/second-copy.js";

// --- janitor decisions (issue 3) ---

export type {
  CacheReconcileAction,
  CacheRemovalReason,
  JanitorCacheEntry,
} from "./janitor/cache-reconcile.js";
export { reconcileCache, reconcileCacheEntry } from "./janitor/cache-reconcile.js";
export type { JanitorContext, JanitorOptions } from "./janitor/options.js";
export { defaultJanitorOptions, pickStaleLastUsedAgeMs, resolveJanitorOptions } from "./janitor/options.js";
export type {
  JanitorLocalEntry,
  RecordPrune,
  RegistryReconcileContext,
  RegistryReconciliation,
  ScaleDownCandidate,
} from "./janitor/registry-reconcile.js";
export {
  applyRecordPrune,
  reconcileRegistry,
  reconcileRegistryRecord,
} from "./janitor/registry-reconcile.js";

// --- protobuf field-path splice (issue 3) ---

export { extractField, extractFieldBytes } from "./splice/extract.js";
export { spliceField } from "./splice/splice.js";

// For adapters (`@modelmesh/store-*`); not a stable API.
export { cancelledError, throwIfAborted } from "./store/abort.js";
// --- store port (issue 4) ---
export type { AbortSignalLike, StoreCallOptions } from "./store/call-options.js";
export type { CasDecision, CasTarget, CasUpdateOptions, CasUpdateResult } from "./store/cas-update.js";
export { casUpdate } from "./store/cas-update.js";
export type { StoreLayout, StoreTableName } from "./store/key-layout.js";
export {
  createStoreLayout,
  DEFAULT_KVSTORE_PREFIX,
  parseKvStorePrefix,
  storeTableNames,
  tableKey,
  tableKeyPrefix,
} from "./store/key-layout.js";
export type { KvSession, KvSessionOptions, KvSessionRecreated, KvSessionState } from "./store/kv-session.js";
export { DEFAULT_SESSION_TTL_MS } from "./store/kv-session.js";
export type {
  KvCompare,
  KvConflict,
  KvDeleteOutcome,
  KvDeleteRequest,
  KvEntry,
  KvPutOutcome,
  KvPutRequest,
  KvRange,
  KvStore,
  KvTransaction,
  KvTransactionOutcome,
  KvWrite,
} from "./store/kv-store.js";
export type { KvEvent, KvSnapshotSink, KvWatch, KvWatchListener, KvWatchStatus } from "./store/kv-watch.js";
export type { JoinLeaderElectionOptions, LeaderElection, LeadershipChange } from "./store/leader-election.js";
export type { MeshSession } from "./store/mesh-session.js";
export type { MeshStore, MeshStoreOptions } from "./store/mesh-store.js";
export { createMeshStore } from "./store/mesh-store.js";
export type { MirrorEvent } from "./store/mirror-event.js";
export { stringCodec } from "./store/string-codec.js";
export type { KvTable, TablePut, TableSnapshot } from "./store/table.js";
export type { MirrorStatus, TableMirror } from "./store/table-mirror.js";
export type { TxnOp, TxnOpRequest, TxnOutcome } from "./store/transaction.js";
export { txnOp } from "./store/transaction.js";
export { assertExpectedRevision, assertValidKey, assertValidTransaction } from "./store/validate.js";
export type { CasOutcome, Versioned } from "./store/versioned.js";
export type {
  SetVModelPlan,
  SetVModelRequest,
  SetVModelState,
  TargetModelInfo,
} from "./vmodels/plan-set-vmodel.js";
export { planSetVModel } from "./vmodels/plan-set-vmodel.js";
// --- vmodels (issue 12) ---
export type { VModelChangePlan, VModelStatus } from "./vmodels/plan-vmodel-changes.js";
export {
  inTransition,
  planDeleteVModel,
  planPromotion,
  planTargetFailed,
  vmodelStatus,
} from "./vmodels/plan-vmodel-changes.js";
export type { ModelChange } from "./vmodels/vmodel-refs.js";
export { copyCount, referenceChanges, referencedModels } from "./vmodels/vmodel-refs.js";
