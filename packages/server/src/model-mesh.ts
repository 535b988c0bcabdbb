import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { ConnectRouter } from "@connectrpc/connect";
import type { Clock, Logger, MeshMetrics, MeshStore, Random } from "@modelmesh/core";
import type { RuntimeConnection } from "@modelmesh/runtime-client";
import type { Tracer } from "@opentelemetry/api";
import type { CopyRequester } from "./cluster/copy-requester.js";
import type { TypeConstraintConfig } from "./cluster/type-constraints.js";
import type { ConnectionLimits } from "./connections/connection-limits.js";
import type { StreamLimits } from "./inference/stream-limits.js";
import type { PayloadProcessingOptions } from "./payload/payload-processing.js";
import type { PeerTls } from "./peer/peer-tls.js";
import type { StaticModel } from "./startup/static-models.js";
import type { MeshLogLevel } from "./tasks/dynamic-config.js";

/** Who this instance is, as published in its instance record (§9.10 of the behaviour reference). */
export interface MeshIdentity {
  /** `MM_INSTANCE_ID` (or its fallbacks): the key of this instance's record. */
  readonly instanceId: string;
  /** Host name or IP other instances reach this one at (`MM_LOCATION`, else the advertise address). */
  readonly location: string;
  /** External gRPC port (`MM_SVC_GRPC_PORT`). */
  readonly grpcPort: number;
  /** Internal peer port (`MM_INTERNAL_GRPC_PORT`); published for peers (cluster issue). */
  readonly internalPort: number;
  readonly zone?: string;
  readonly labels: readonly string[];
  readonly serviceVersion?: string;
}

/**
 * Timing knobs (§12.3, §12.5). Every field is optional: the original's defaults apply. Tests shorten them.
 */
export interface MeshTimings {
  readonly janitorIntervalMs?: number;
  readonly rateCheckIntervalMs?: number;
  readonly instancePublishIntervalMs?: number;
  readonly instancePublishMinIntervalMs?: number;
  readonly loadFailureExpiryMs?: number;
  readonly reaperIntervalMs?: number;
  /** First leader-duty run after gaining leadership (the original: 2 min). Default `min(120 000, reaperIntervalMs)`. */
  readonly reaperFirstRunMs?: number;
  /** First rate check after start (the original: 5 s). Default `min(5000, rateCheckIntervalMs)`. */
  readonly rateCheckFirstRunMs?: number;
  readonly assumeInstanceGoneAfterMs?: number;
  readonly minSecondCopyAgeMs?: number;
  readonly maxSecondCopyAgeMs?: number;
  /**
   * Churn guard (`tas.min_churn_age_ms`, §4.5): a full cache whose oldest entry is younger than
   * this refuses new loads. Default `10 × max(3 s, loadTimeout / 3)`; 0 disables the guard.
   */
  readonly minChurnAgeMs?: number;
  /** Longest wait for unload-buffer space before a load starts (§4.4). Default 180 000. */
  readonly spaceWaitMs?: number;
  /**
   * Longest a management call (registerModel, unregisterModel) waits for the store in all, every
   * retry included, when the client's deadline is not shorter; then it answers UNAVAILABLE.
   * Default 10 000.
   */
  readonly storeCallTimeoutMs?: number;
}

/** How one inference method names its model in the request body (`MM_DATAPLANE_CONFIG`, §2.1). */
export interface DataplaneRpcConfig {
  /** Field-number path of a string field holding the (v)model id; empty: headers only. */
  readonly idExtractionPath: readonly number[];
  /** The extracted id is a vmodel id. */
  readonly vModelId: boolean;
}

/** `MM_DATAPLANE_CONFIG` (§2.1): per-method id extraction and the method allow-list. */
export interface DataplaneConfig {
  readonly rpcConfigs: Readonly<Record<string, DataplaneRpcConfig>>;
  /** Methods missing from `rpcConfigs` are forwarded (else UNIMPLEMENTED). */
  readonly allowOtherRpcs: boolean;
}

/** Everything {@link createModelMesh} needs; the gateway builds these from its frozen config. */
export interface ModelMeshOptions {
  /** The store (embedded or etcd) wrapped by core's `createMeshStore`. Not closed by the mesh. */
  readonly store: MeshStore;
  /** A runtime that already answered READY. Not closed by the mesh. */
  readonly runtime: RuntimeConnection;
  readonly identity: MeshIdentity;
  readonly timings?: MeshTimings;
  /** `MM_SVC_GRPC_MAX_MSG_SIZE`, bytes, for requests and responses. */
  readonly maxMessageBytes: number;
  /** Bounds on the internal peer port's connections. Default `DEFAULT_CONNECTION_LIMITS`. */
  readonly peerConnectionLimits?: ConnectionLimits;
  /**
   * TLS of the internal peer port and of this instance's connections to peers (mTLS when
   * `clientAuth`); material changes apply to new connections. Absent: plaintext.
   */
  readonly peerTls?: PeerTls;
  /**
   * Per-call bounds of the inference pass-through on the serving and peer ports: request body
   * timeout, stalled-reader timeout, response window toward peers. Default `DEFAULT_STREAM_LIMITS`.
   */
  readonly streamLimits?: StreamLimits;
  /** `MM_DATAPLANE_CONFIG`; absent: ids from headers only, every method allowed. */
  readonly dataplane?: DataplaneConfig;
  /** `MM_MULTI_PARALLELISM`: concurrent model calls of one multi-model request (§2.10). Default 4. */
  readonly multiModelParallelism?: number;
  /** `MM_LOG_EACH_INVOKE`: log each runtime invocation at info instead of debug (§10.3). */
  readonly logEachInvoke?: boolean;
  /** `KV_READ_ONLY`: read-only migration mode (see `MeshContext.readOnly`). Default false. */
  readonly readOnly?: boolean;
  /**
   * `MM_MAX_INFLIGHT_PER_MODEL_COPY`: with a runtime that limits model concurrency, calls one copy
   * admits at once (running and queued); 0 (default) means `max(16, 8 × maxConcurrency)`, a
   * negative value no bound.
   */
  readonly maxInFlightPerCopy?: number;
  /**
   * `MM_LOG_REQUEST_HEADERS`: lower-case request header → log field; the values of those headers are
   * added to the log lines of that inference call (§10.3).
   */
  readonly logRequestHeaders?: Readonly<Record<string, string>>;
  /** `MM_SCALEUP_RPM_THRESHOLD`; the store's `config/scaleup_rpm_threshold` overrides it. Default 2000. */
  readonly scaleUpRpmThreshold?: number;
  /**
   * `MM_PAYLOAD_PROCESSORS` (docs/payload-processors.md): processors that see the request and
   * response of each inference call through the external port, behind a bounded queue. Absent:
   * none, and the hit path keeps no reference to any byte for them.
   */
  readonly payloadProcessing?: PayloadProcessingOptions;
  /**
   * Called when the store's `config/logger_level` changes (docs/logging.md): the level to log at
   * now, or undefined when the key was deleted or is invalid (back to the host's configured level).
   * Without it the key is ignored.
   */
  readonly setLogLevel?: (level: MeshLogLevel | undefined) => void;
  /**
   * `MM_TYPE_CONSTRAINTS`, parsed (`parseTypeConstraints`): labels each model type requires or
   * prefers (§9.7). Absent: every type may run anywhere. Not together with `typeConstraintsPath`.
   */
  readonly typeConstraints?: TypeConstraintConfig;
  /** `MM_TYPE_CONSTRAINTS_PATH`: a type-constraint JSON file, read at creation and hot-reloaded. */
  readonly typeConstraintsPath?: string;
  /**
   * Carries out copies the cluster duties want (second copy, scale-up, proactive loading). The
   * peer layer provides one that reaches other instances; the default loads here when placement
   * picks this instance and logs and skips other targets.
   */
  readonly copyRequester?: CopyRequester;
  /**
   * Startup fail-fast (§9.6): `BOOTSTRAP_CLEARANCE_PERIOD_MS` (default 180 000) and
   * `MM_FAILFAST_UPGRADE_ENABLED` (default true).
   */
  readonly bootstrapClearance?: { readonly periodMs: number; readonly enabled: boolean };
  /** `MM_DEFAULT_VMODEL_OWNER`: owner of vmodels created without one. Default: none. */
  readonly defaultVModelOwner?: string;
  /**
   * `MM_AUTO_REGISTER_MODELS` (and its file variant): models registered by {@link ModelMesh.start},
   * which then waits until the `ensureLoaded` ones are loaded and rejects if one fails to load.
   * Default none.
   */
  readonly staticModels?: readonly StaticModel[];
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  /** Where the instance reports metrics (`MM_METRICS`); default: none recorded. */
  readonly metrics?: MeshMetrics;
  /**
   * Records OpenTelemetry spans of inference calls (routing, load queue, load, forwarding,
   * runtime call) and passes W3C `traceparent` on to the runtime and to peers. Absent (the
   * default): no span is created and nothing is allocated for tracing per call.
   */
  readonly tracer?: Tracer;
}

/** Options of {@link ModelMesh.registerServices}. */
export interface RegisterServicesOptions {
  /**
   * What KServe V2 `ServerReady` answers, read on every call. Default: the mesh's own
   * {@link ModelMesh.ready}. A host whose readiness probe checks more (the gateway's `/ready` also
   * wants a runtime that answers and a store that takes writes) passes that same check here, so
   * the probe and `ServerReady` never disagree.
   */
  readonly isReady?: () => boolean;
}

/** One running mesh instance. */
export interface ModelMesh {
  /**
   * Registers on a Connect router (gRPC, Connect, gRPC-Web) what the mesh answers itself: the
   * `mmesh.ModelMesh` service (with its legacy names), and the KServe V2 server-level calls
   * `inference.GRPCInferenceService/ServerLive`, `ServerReady` and `ServerMetadata`, which need no
   * model id. `ServerMetadata` names the server `modelmesh`, with `MeshIdentity.serviceVersion`
   * as its version when set, else this package's version.
   */
  registerServices(router: ConnectRouter, options?: RegisterServicesOptions): void;
  /**
   * Serves every path that is not a mesh service: inference pass-through (design §4). Give it the
   * Connect node adapter's `fallback`. HTTP/1.1 requests are answered with a clear error.
   */
  handleInference(req: Http2ServerRequest, res: Http2ServerResponse): void;
  /**
   * Replaces the dataplane config (`MM_DATAPLANE_CONFIG_PATH` changed on disk); calls that start
   * afterwards use it. `undefined`: ids from headers only, every method allowed.
   */
  setDataplane(config: DataplaneConfig | undefined): void;
  /**
   * Loads the store mirrors, publishes the instance record, starts background tasks, then
   * registers the static models and waits for those to be loaded with `ensureLoaded`. Rejects
   * when a step fails, a static model's load included (a `LOAD_FAILED` error naming it).
   */
  start(): Promise<void>;
  /**
   * True once started (static models registered and loaded) and not shutting down (for
   * `/ready`). Until it has first been true, it also waits while another instance's record is
   * marked `shutdown` (rolling updates, §9.4). False for good once startup fail-fast (§9.6) has
   * aborted.
   */
  readonly ready: boolean;
  /** Inference calls currently in flight through this instance. */
  readonly inFlight: number;
  /**
   * Payloads dropped since start because the payload processors' queue was full (a monotonic
   * counter; 0 without processors).
   */
  readonly droppedPayloads: number;
  /** True while this instance leads the store's leader election (§9.2). */
  readonly isLeader: boolean;
  /**
   * First phase of a graceful stop (§9.5): `ready` turns false, the instance record is marked
   * `shutdown` (no new copies are placed here) and every copy here gets a replacement on another
   * instance, while calls from clients and peers are still served with the local copies.
   * Resolves when the copies are moved or the migration part of the budget ending at
   * `deadlineMs` (clock time) is spent. Idempotent; {@link shutdown} runs it first if needed.
   */
  drain(deadlineMs: number): Promise<void>;
  /**
   * Graceful stop: {@link drain}, then wait for in-flight calls until `deadlineMs` (clock time),
   * stop background tasks, remove this instance's record and remaining copies. Calls are refused
   * once this has begun. Idempotent.
   */
  shutdown(deadlineMs: number): Promise<void>;
}
