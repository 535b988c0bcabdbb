import type { KvTable, Logger, TableMirror } from "@modelmesh/core";

/** The dynamic config key that overrides `MM_SCALEUP_RPM_THRESHOLD` (§12.4). */
export const SCALEUP_THRESHOLD_KEY = "scaleup_rpm_threshold";

/** The original's default threshold, requests per minute per copy. */
export const DEFAULT_SCALEUP_RPM_THRESHOLD = 2000;

/** Dynamic values below this are rejected and the static threshold applies (§5.3). */
const MIN_DYNAMIC_THRESHOLD = 10;

/**
 * The scale-up threshold in force (§5.3): the store's `config/scaleup_rpm_threshold` when it
 * holds a whole number ≥ 10, else `MM_SCALEUP_RPM_THRESHOLD`, else 2000. Follows the config
 * table through a mirror; changes are logged.
 */
export class ScaleUpThreshold {
  readonly #staticRpm: number;
  readonly #logger: Logger;
  #mirror: TableMirror<string> | undefined;
  #unsubscribe: (() => void) | undefined;
  #current: number;

  constructor(staticRpm: number | undefined, logger: Logger) {
    this.#staticRpm = staticRpm !== undefined && staticRpm > 0 ? staticRpm : DEFAULT_SCALEUP_RPM_THRESHOLD;
    this.#current = this.#staticRpm;
    this.#logger = logger;
  }

  /** Requests per minute per copy above which copies are added. */
  get rpm(): number {
    return this.#current;
  }

  /** Starts following `config/` of the store. */
  async follow(config: KvTable<string>): Promise<void> {
    const mirror = config.mirror();
    this.#mirror = mirror;
    this.#unsubscribe = mirror.subscribe(() => this.#refresh());
    await mirror.ready;
    this.#refresh();
  }

  /** Stops following the store. */
  close(): void {
    this.#unsubscribe?.();
    this.#mirror?.close();
  }

  #refresh(): void {
    const raw = this.#mirror?.get(SCALEUP_THRESHOLD_KEY)?.value;
    let next = this.#staticRpm;
    if (raw !== undefined) {
      const value = Number(raw.trim());
      if (Number.isInteger(value) && value >= MIN_DYNAMIC_THRESHOLD) next = value;
      else this.#logger.warn({ value: raw }, `ignoring invalid ${SCALEUP_THRESHOLD_KEY}`);
    }
    if (next !== this.#current) {
      this.#logger.info({ from: this.#current, to: next }, "scale-up threshold changed");
      this.#current = next;
    }
  }
}
