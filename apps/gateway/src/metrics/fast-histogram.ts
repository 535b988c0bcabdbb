/** Escapes a label value for the text exposition format (backslash, newline, double quote). */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** One label combination of a {@link FastHistogram}: its counts, and its labels pre-formatted. */
export interface HistogramChild {
  observe(value: number): void;
}

interface ChildState extends HistogramChild {
  /** `method="predict",code="OK"` (empty without labels). */
  readonly labelText: string;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram built for the hot path and for large scrapes: a child is resolved once
 * per label combination (the caller caches it), an observation is a bucket search and three
 * additions with nothing allocated, and a scrape writes each child's lines from its
 * pre-formatted labels. The text is what prom-client writes for its histograms (same line order,
 * `le` first, same number formatting), so both kinds read the same to a scraper.
 */
export class FastHistogram {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly #bounds: readonly number[];
  /** `le="..."` of each bound and of +Inf, pre-formatted. */
  readonly #leText: readonly string[];
  readonly #children: ChildState[] = [];

  constructor(options: {
    name: string;
    help: string;
    labelNames: readonly string[];
    buckets: readonly number[];
  }) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    this.#leText = [...this.#bounds.map((b) => `le="${b}"`), 'le="+Inf"'];
  }

  /**
   * A new child for these label values (in `labelNames` order); callers keep it. A labelled child
   * is exported from its first observation on.
   */
  child(values: readonly string[]): HistogramChild {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name}: ${this.labelNames.length} label values expected, got ${values.length}`);
    }
    const labelText = this.labelNames
      .map((name, i) => `${name}="${escapeLabelValue(values[i] ?? "")}"`)
      .join(",");
    const bounds = this.#bounds;
    const state: ChildState = {
      labelText,
      counts: new Float64Array(bounds.length + 1),
      sum: 0,
      count: 0,
      observe(value: number) {
        let i = 0;
        while (i < bounds.length && value > (bounds[i] as number)) i++;
        state.counts[i] = (state.counts[i] ?? 0) + 1;
        state.sum += value;
        state.count++;
      },
    };
    this.#children.push(state);
    return state;
  }

  /** The exposition text of this histogram (HELP, TYPE and every child's samples), no trailing newline. */
  render(): string {
    const name = this.name;
    const lines = [
      `# HELP ${name} ${this.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`,
      `# TYPE ${name} histogram`,
    ];
    for (const child of this.#children) {
      const labels = child.labelText;
      // As prom-client: a labelled series appears with its first observation.
      if (child.count === 0 && labels !== "") continue;
      const sep = labels === "" ? "" : ",";
      let cumulative = 0;
      for (let i = 0; i < this.#leText.length; i++) {
        cumulative += child.counts[i] ?? 0;
        lines.push(`${name}_bucket{${this.#leText[i]}${sep}${labels}} ${cumulative}`);
      }
      const braces = labels === "" ? "" : `{${labels}}`;
      lines.push(`${name}_sum${braces} ${child.sum}`, `${name}_count${braces} ${child.count}`);
    }
    return lines.join("\n");
  }
}
