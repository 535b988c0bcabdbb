import {
  type InstanceRecord,
  MeshError,
  type ReadonlySetLike,
  type TypeConstraintView,
} from "@modelmesh/core";

/** Label requirements of one model type (§9.7): all `required`, any of `preferred`. */
export interface TypeConstraint {
  readonly required: readonly string[];
  readonly preferred: readonly string[];
}

/**
 * `MM_TYPE_CONSTRAINTS` (§9.7): label constraints per model type; the `_default` entry applies to
 * types without their own. Labels are normalised: sorted, deduplicated, preferred minus required.
 */
export type TypeConstraintConfig = Readonly<Record<string, TypeConstraint>>;

/** The entry that applies to types without one of their own. */
export const DEFAULT_TYPE_KEY = "_default";

function labelList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((label) => typeof label !== "string")) {
    throw new MeshError("INVALID_ARGUMENT", `type constraints: ${where} must be an array of strings`);
  }
  return [
    ...new Set((value as string[]).map((label) => label.trim()).filter((label) => label !== "")),
  ].sort();
}

/**
 * Parses the type-constraint JSON of `MM_TYPE_CONSTRAINTS` or the file of
 * `MM_TYPE_CONSTRAINTS_PATH`: `{ "<type>": { "required": [...], "preferred": [...] }, ... }`.
 * Throws `INVALID_ARGUMENT` on malformed input.
 */
export function parseTypeConstraints(json: string): TypeConstraintConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new MeshError("INVALID_ARGUMENT", `type constraints are not valid JSON: ${String(error)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new MeshError("INVALID_ARGUMENT", "type constraints must be a JSON object keyed by model type");
  }
  const config: Record<string, TypeConstraint> = {};
  for (const [type, entry] of Object.entries(parsed)) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new MeshError("INVALID_ARGUMENT", `type constraints: entry ${type} must be an object`);
    }
    const fields = entry as Record<string, unknown>;
    const required = labelList(fields.required, `${type}.required`);
    const preferred = labelList(fields.preferred, `${type}.preferred`).filter((l) => !required.includes(l));
    config[type] = Object.freeze({ required, preferred });
  }
  return Object.freeze(config);
}

/** A type's constraint under `config`, `_default` standing in for types without one. */
function constraintOf(config: TypeConstraintConfig, type: string): TypeConstraint | undefined {
  return config[type] ?? config[DEFAULT_TYPE_KEY];
}

function hasAll(labels: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((label) => labels.includes(label));
}

function hasAny(labels: readonly string[], wanted: readonly string[]): boolean {
  return wanted.some((label) => labels.includes(label));
}

/**
 * The {@link TypeConstraintView} routing and placement read (§9.7), over the live instance
 * records: allowed instances have every required label; preferred ones have any preferred label.
 * For a type without a configured preference, the preference is inferred: the instances where the
 * most other types are prohibited and the fewest prefer them (score `4 × prohibited − preferring`),
 * when scores differ, so special nodes stay free for the types that need them.
 */
export class TypeConstraints implements TypeConstraintView {
  #config: TypeConstraintConfig;
  #instances: ReadonlyMap<string, InstanceRecord> = new Map();
  readonly #allowed = new Map<string, ReadonlySet<string> | undefined>();
  readonly #preferred = new Map<string, ReadonlySet<string> | undefined>();

  constructor(config: TypeConstraintConfig = {}) {
    this.#config = config;
  }

  /** The configuration in force. */
  get config(): TypeConstraintConfig {
    return this.#config;
  }

  /** True when any type is constrained. */
  get active(): boolean {
    return Object.keys(this.#config).length > 0;
  }

  /** Replaces the configuration (hot reload). */
  setConfig(config: TypeConstraintConfig): void {
    this.#config = config;
    this.#clear();
  }

  /** Replaces the instance records (live, not shutting down) the sets are computed from. */
  setInstances(instances: ReadonlyMap<string, InstanceRecord>): void {
    this.#instances = instances;
    this.#clear();
  }

  allowedInstances(modelType: string): ReadonlySet<string> | undefined {
    if (!this.#allowed.has(modelType)) this.#allowed.set(modelType, this.#computeAllowed(modelType));
    return this.#allowed.get(modelType);
  }

  preferredInstances(modelType: string): ReadonlySetLike | undefined {
    if (!this.#preferred.has(modelType)) this.#preferred.set(modelType, this.#computePreferred(modelType));
    return this.#preferred.get(modelType);
  }

  requiredLabels(modelType: string): readonly string[] {
    return constraintOf(this.#config, modelType)?.required ?? [];
  }

  /** True when `instanceId` may hold models of `modelType`. */
  allows(modelType: string, instanceId: string): boolean {
    return this.allowedInstances(modelType)?.has(instanceId) ?? true;
  }

  #clear(): void {
    this.#allowed.clear();
    this.#preferred.clear();
  }

  #computeAllowed(type: string): ReadonlySet<string> | undefined {
    const constraint = constraintOf(this.#config, type);
    if (constraint === undefined || constraint.required.length === 0) return undefined;
    const allowed = new Set<string>();
    for (const [id, record] of this.#instances) {
      if (!record.shutdown && hasAll(record.labels, constraint.required)) allowed.add(id);
    }
    return allowed;
  }

  #computePreferred(type: string): ReadonlySet<string> | undefined {
    const constraint = constraintOf(this.#config, type);
    if (constraint !== undefined && constraint.preferred.length > 0) {
      const preferred = new Set<string>();
      for (const [id, record] of this.#instances) {
        if (!record.shutdown && hasAny(record.labels, constraint.preferred)) preferred.add(id);
      }
      return preferred;
    }
    return this.#inferPreferred(type);
  }

  #inferPreferred(type: string): ReadonlySet<string> | undefined {
    const configured = Object.values(this.#config);
    if (configured.length === 0) return undefined;
    const scores = new Map<string, number>();
    for (const [id, record] of this.#instances) {
      if (record.shutdown || !this.allows(type, id)) continue;
      let score = 0;
      for (const c of configured) {
        if (!hasAll(record.labels, c.required)) score += 4;
        if (c.preferred.length > 0 && hasAny(record.labels, c.preferred)) score -= 1;
      }
      scores.set(id, score);
    }
    const values = [...scores.values()];
    if (values.length === 0) return undefined;
    const max = Math.max(...values);
    if (Math.min(...values) === max) return undefined;
    return new Set([...scores].filter(([, score]) => score === max).map(([id]) => id));
  }
}
