import { fileURLToPath } from "node:url";

/** How "model not loaded" is answered by inference calls (§2.6.5 of the reference). */
export type NotFoundBehaviour = "grpc" | "triton" | "mlserver";

/** A listening address: a TCP port (on `host`) or a Unix socket path. */
export type ListenAddress =
  | { readonly t: "tcp"; readonly port: number }
  | { readonly t: "uds"; readonly path: string };

/** The example runtime's settings, parsed once by {@link parseRuntimeConfig}. */
export interface RuntimeConfig {
  /** Management endpoints (also serving, unless `serving` is set). At least one. */
  readonly listen: readonly ListenAddress[];
  /** A separate endpoint for inference only (INTERNAL_SERVING_* tests). */
  readonly serving?: ListenAddress;
  /** Host TCP ports bind to. Default 127.0.0.1. */
  readonly host: string;
  /** Where relative model paths are read. Default: the shipped `models/` folder. */
  readonly modelsDir: string;
  /** Reported capacity, bytes. Default 1 GiB. */
  readonly capacityBytes: number;
  /** Reported default model size, bytes. Default 50 MiB. */
  readonly defaultModelSizeBytes: number;
  /** Reported maxLoadingConcurrency. Default 6. */
  readonly loadingConcurrency: number;
  /** Reported modelLoadingTimeoutMs. Default 90 000. */
  readonly loadTimeoutMs: number;
  /** STARTING is answered for this long after start, ms. Default 0. */
  readonly startDelayMs: number;
  /** Status once started: READY, or FAILING to test the handshake's abort. */
  readonly status: "ready" | "failing";
  /** Per-copy max concurrency; > 0 turns on limitModelConcurrency. Default 0. */
  readonly maxConcurrency: number;
  /** The first N unloadModel calls fail with INTERNAL (unload retry tests). Default 0. */
  readonly unloadFailures: number;
  /** methodInfos to report (`RS_METHOD_INFOS`): method → id injection path. */
  readonly methodInfos?: Readonly<Record<string, readonly number[]>>;
  /** Report allowAnyMethod (`RS_ALLOW_ANY`). */
  readonly allowAnyMethod: boolean;
  /** Answer predictModelSize with UNIMPLEMENTED, as the original example runtime. */
  readonly predictSizeUnimplemented: boolean;
  /** Answer NOT_FOUND from unloadModel for unknown ids (`UNLOAD_RETURN_NOT_FOUND`). */
  readonly unloadReturnNotFound: boolean;
  readonly notFoundBehaviour: NotFoundBehaviour;
}

/** Result of {@link parseRuntimeConfig}: the config, or every problem found. */
export type ConfigResult =
  | { readonly ok: true; readonly config: RuntimeConfig }
  | { readonly ok: false; readonly errors: readonly string[] };

/** The models shipped with this package. */
export const shippedModelsDir = fileURLToPath(new URL("../models", import.meta.url));

/** Each setting: its flag, its environment variable, and whether it is a boolean switch. */
const settings = {
  port: { env: "RS_PORT" },
  socket: { env: "RS_SOCKET" },
  "serving-port": { env: "RS_SERVING_PORT" },
  "serving-socket": { env: "RS_SERVING_SOCKET" },
  host: { env: "RS_HOST" },
  "models-dir": { env: "RS_MODELS_DIR" },
  "capacity-bytes": { env: "RS_CAPACITY_BYTES" },
  "default-model-size-bytes": { env: "RS_DEFAULT_MODEL_SIZE_BYTES" },
  "loading-concurrency": { env: "RS_LOADING_CONCURRENCY" },
  "load-timeout-ms": { env: "RS_LOAD_TIMEOUT_MS" },
  "start-delay-ms": { env: "RS_START_DELAY_MS" },
  status: { env: "RS_STATUS" },
  "max-concurrency": { env: "RS_MAX_CONCURRENCY" },
  "unload-failures": { env: "RS_UNLOAD_FAILURES" },
  "method-infos": { env: "RS_METHOD_INFOS" },
  "allow-any-method": { env: "RS_ALLOW_ANY", flag: true },
  "unload-return-not-found": { env: "UNLOAD_RETURN_NOT_FOUND", flag: true },
  "triton-not-found": { env: "TRITON_NOT_FOUND_BEHAVIOUR", flag: true },
  "mlserver-not-found": { env: "MLSERVER_NOT_FOUND_BEHAVIOUR", flag: true },
  "no-predict-size": { env: "RS_NO_PREDICT_SIZE", flag: true },
} as const satisfies Record<string, { env: string; flag?: boolean }>;

type SettingName = keyof typeof settings;

/** Collects `--name value`, `--name=value` and bare switches; env fills what flags leave out. */
function collectValues(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  errors: string[],
): Map<SettingName, string> {
  const values = new Map<SettingName, string>();
  for (const [name, setting] of Object.entries(settings) as [
    SettingName,
    { env: string; flag?: boolean },
  ][]) {
    const fromEnv = env[setting.env];
    if (fromEnv !== undefined && fromEnv !== "") values.set(name, fromEnv);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = match?.[1] as SettingName | undefined;
    if (match === null || name === undefined || !(name in settings)) {
      errors.push(`unknown argument "${arg}" (see --help)`);
      continue;
    }
    const isSwitch = "flag" in settings[name];
    const value = match[2] ?? (isSwitch ? "true" : argv[++i]);
    if (value === undefined) errors.push(`--${name} needs a value`);
    else values.set(name, value);
  }
  return values;
}

function parseCount(name: string, text: string | undefined, fallback: number, errors: string[]): number {
  if (text === undefined) return fallback;
  if (/^\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text))) return Number(text);
  errors.push(`${name} must be a whole number ≥ 0, got "${text}"`);
  return fallback;
}

function parseSwitch(name: string, text: string | undefined, errors: string[]): boolean {
  if (text === undefined) return false;
  if (text === "true" || text === "false") return text === "true";
  errors.push(`${name} must be true or false, got "${text}"`);
  return false;
}

/**
 * Parses `RS_METHOD_INFOS` as the original: `method=1,2;method2=` (an empty path allows the
 * method without id injection).
 */
export function parseMethodInfos(text: string, errors: string[]): Record<string, number[]> {
  const infos: Record<string, number[]> = {};
  for (const entry of text.split(";").filter((e) => e.trim().length > 0)) {
    const [method = "", path = "", ...rest] = entry.split("=");
    const numbers = path.trim() === "" ? [] : path.split(",").map((n) => Number(n.trim()));
    if (method.trim() === "" || rest.length > 0 || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
      errors.push(`method infos entry "${entry}" must look like "pkg.Service/method=1,2"`);
      continue;
    }
    infos[method.trim()] = numbers;
  }
  return infos;
}

function parsePort(name: string, text: string, errors: string[]): number {
  const port = parseCount(name, text, 0, errors);
  if (port > 65535) errors.push(`${name} must be 0..65535 (0 = any free port), got "${text}"`);
  return port;
}

function parseListen(values: Map<SettingName, string>, errors: string[]): ListenAddress[] {
  const port = values.get("port");
  const socket = values.get("socket");
  const listen: ListenAddress[] = [];
  if (port !== undefined) listen.push({ t: "tcp", port: parsePort("--port", port, errors) });
  if (socket !== undefined) listen.push({ t: "uds", path: socket });
  // Like the original example runtime, the default is the mesh's default runtime port.
  return listen.length > 0 ? listen : [{ t: "tcp", port: 8085 }];
}

function parseServing(values: Map<SettingName, string>, errors: string[]): ListenAddress | undefined {
  const port = values.get("serving-port");
  const socket = values.get("serving-socket");
  if (port !== undefined && socket !== undefined)
    errors.push("give at most one of --serving-port and --serving-socket");
  if (socket !== undefined) return { t: "uds", path: socket };
  return port === undefined ? undefined : { t: "tcp", port: parsePort("--serving-port", port, errors) };
}

function parseNotFound(values: Map<SettingName, string>, errors: string[]): NotFoundBehaviour {
  const triton = parseSwitch("--triton-not-found", values.get("triton-not-found"), errors);
  const mlserver = parseSwitch("--mlserver-not-found", values.get("mlserver-not-found"), errors);
  if (triton && mlserver) errors.push("give at most one of --triton-not-found and --mlserver-not-found");
  return triton ? "triton" : mlserver ? "mlserver" : "grpc";
}

function parseStatus(text: string | undefined, errors: string[]): "ready" | "failing" {
  if (text === undefined || text === "ready" || text === "failing") return text ?? "ready";
  errors.push(`--status must be ready or failing, got "${text}"`);
  return "ready";
}

/**
 * Reads the example runtime's settings from command-line flags and environment variables (flags
 * win) and reports every problem at once. Sizes in bytes, times in milliseconds.
 */
export function parseRuntimeConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult {
  const errors: string[] = [];
  const values = collectValues(argv, env, errors);
  const count = (name: SettingName, fallback: number) =>
    parseCount(`--${name}`, values.get(name), fallback, errors);
  const switchOf = (name: SettingName) => parseSwitch(`--${name}`, values.get(name), errors);
  const methodInfos = values.get("method-infos");
  const serving = parseServing(values, errors);
  const config: RuntimeConfig = {
    listen: parseListen(values, errors),
    ...(serving === undefined ? {} : { serving }),
    host: values.get("host") ?? "127.0.0.1",
    modelsDir: values.get("models-dir") ?? shippedModelsDir,
    capacityBytes: count("capacity-bytes", 1024 * 1024 * 1024),
    defaultModelSizeBytes: count("default-model-size-bytes", 50 * 1024 * 1024),
    loadingConcurrency: count("loading-concurrency", 6),
    loadTimeoutMs: count("load-timeout-ms", 90_000),
    startDelayMs: count("start-delay-ms", 0),
    status: parseStatus(values.get("status"), errors),
    maxConcurrency: count("max-concurrency", 0),
    unloadFailures: count("unload-failures", 0),
    ...(methodInfos === undefined ? {} : { methodInfos: parseMethodInfos(methodInfos, errors) }),
    allowAnyMethod: switchOf("allow-any-method"),
    predictSizeUnimplemented: switchOf("no-predict-size"),
    unloadReturnNotFound: switchOf("unload-return-not-found"),
    notFoundBehaviour: parseNotFound(values, errors),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: Object.freeze(config) };
}

/** The `--help` text. */
export const usage = `Usage: example-runtime [flags]

A reference model runtime for ModelMesh (mmesh.ModelRuntime, mmesh.ExamplePredictor, KServe V2).
Every flag also reads the environment variable in brackets; flags win.

  --port <n>                      TCP port for management and inference, 0 = any [RS_PORT] (default 8085)
  --socket <path>                 Unix socket, alone or beside --port [RS_SOCKET]
  --serving-port <n>              separate inference-only TCP port [RS_SERVING_PORT]
  --serving-socket <path>         separate inference-only Unix socket [RS_SERVING_SOCKET]
  --host <addr>                   address TCP ports bind to [RS_HOST] (default 127.0.0.1)
  --models-dir <dir>              where relative model paths are read [RS_MODELS_DIR] (default: shipped models)
  --capacity-bytes <n>            reported capacity [RS_CAPACITY_BYTES] (default 1 GiB)
  --default-model-size-bytes <n>  reported default model size [RS_DEFAULT_MODEL_SIZE_BYTES] (default 50 MiB)
  --loading-concurrency <n>       reported loading concurrency [RS_LOADING_CONCURRENCY] (default 6)
  --load-timeout-ms <n>           reported load timeout [RS_LOAD_TIMEOUT_MS] (default 90000)
  --start-delay-ms <n>            answer STARTING this long before READY [RS_START_DELAY_MS] (default 0)
  --status ready|failing          status once started [RS_STATUS] (default ready)
  --max-concurrency <n>           per-copy max concurrency; turns on limitModelConcurrency [RS_MAX_CONCURRENCY]
  --unload-failures <n>           fail the first n unloadModel calls with INTERNAL [RS_UNLOAD_FAILURES]
  --method-infos <spec>           methodInfos, e.g. "mmesh.ExamplePredictor/predict=1;other=" [RS_METHOD_INFOS]
  --no-predict-size               predictModelSize answers UNIMPLEMENTED [RS_NO_PREDICT_SIZE=true]
  --allow-any-method              report allowAnyMethod [RS_ALLOW_ANY=true]
  --unload-return-not-found       unloadModel of an unknown id answers NOT_FOUND [UNLOAD_RETURN_NOT_FOUND=true]
  --triton-not-found              not-loaded inference answers UNAVAILABLE as Triton [TRITON_NOT_FOUND_BEHAVIOUR=true]
  --mlserver-not-found            not-loaded inference answers INVALID_ARGUMENT as MLServer [MLSERVER_NOT_FOUND_BEHAVIOUR=true]
  --help                          print this text
`;
