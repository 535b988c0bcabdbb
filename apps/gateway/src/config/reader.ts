/** Where a value came from, for error messages. */
type Source =
  | { readonly kind: "flag"; readonly name: string }
  | { readonly kind: "env"; readonly name: string };

/** One option as documented by `modelmesh --help` and the README. */
export interface OptionDoc {
  /** Environment variable (canonical name first, deprecated aliases after). */
  readonly env: readonly string[];
  /** Command-line flag without the leading dashes. */
  readonly flag: string;
  /** Default, as shown to users ("" when there is none). */
  readonly defaultText: string;
  readonly description: string;
}

/** How an option is read. */
export interface OptionSpec<T> {
  /** Environment variable names: the canonical one first, then deprecated aliases. */
  readonly env: string | readonly string[];
  /** Flag name; defaults to the canonical env name in kebab case without an `MM_` prefix. */
  readonly flag?: string;
  readonly description: string;
  /**
   * False when the later `env` names are equal spellings rather than deprecated aliases (the
   * original accepted both), so using one is not warned about. Default true.
   */
  readonly aliasesDeprecated?: boolean;
  /** Used when the option is absent; omit for "no value". */
  readonly default?: T;
  /** Shown as the default in help when it is not simply `String(default)`. */
  readonly defaultText?: string;
}

/** A parser turns the raw text into a value or returns an error message. */
export type ValueParser<T> = (raw: string) => { ok: true; value: T } | { ok: false; error: string };

function defaultFlag(env: string): string {
  return env.replace(/^MM_/, "").toLowerCase().replaceAll("_", "-");
}

/**
 * Reads options from command-line flags (first) and environment variables, collecting every
 * problem instead of stopping at the first, and recording each option for `--help`.
 */
export class ConfigReader {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  readonly docs: OptionDoc[] = [];
  private readonly usedFlags = new Set<string>();

  constructor(
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly flags: ReadonlyMap<string, string>,
  ) {}

  /** Reads one option with `parse`; absent → the default (or undefined). */
  read<T>(spec: OptionSpec<T> & { default: T }, parse: ValueParser<T>): T;
  read<T>(spec: OptionSpec<T>, parse: ValueParser<T>): T | undefined;
  read<T>(spec: OptionSpec<T>, parse: ValueParser<T>): T | undefined {
    const envNames = typeof spec.env === "string" ? [spec.env] : spec.env;
    const canonical = envNames[0] ?? "";
    const flag = spec.flag ?? defaultFlag(canonical);
    this.docs.push({
      env: envNames,
      flag,
      defaultText: spec.defaultText ?? (spec.default === undefined ? "" : String(spec.default)),
      description: spec.description,
    });
    const found = this.find(flag, envNames, spec.aliasesDeprecated ?? true);
    if (!found) return spec.default;
    const result = parse(found.raw);
    if (result.ok) return result.value;
    const where = found.source.kind === "flag" ? `--${found.source.name}` : found.source.name;
    this.errors.push(`${where}=${JSON.stringify(found.raw)}: ${result.error}`);
    return spec.default;
  }

  /** Records a problem that involves several options. */
  fail(message: string): void {
    this.errors.push(message);
  }

  /** Flags given on the command line that no option read. */
  unknownFlags(): string[] {
    return [...this.flags.keys()].filter((f) => !this.usedFlags.has(f));
  }

  private find(
    flag: string,
    envNames: readonly string[],
    aliasesDeprecated: boolean,
  ): { raw: string; source: Source } | undefined {
    const fromFlag = this.flags.get(flag);
    if (fromFlag !== undefined) {
      this.usedFlags.add(flag);
      return { raw: fromFlag, source: { kind: "flag", name: flag } };
    }
    for (const [index, name] of envNames.entries()) {
      const raw = this.env[name];
      if (raw === undefined || raw === "") continue;
      if (index > 0 && aliasesDeprecated) this.warnings.push(`${name} is deprecated; use ${envNames[0]}`);
      return { raw, source: { kind: "env", name } };
    }
    return undefined;
  }
}

/**
 * Splits `--name=value`, `--name value` and bare `--name` (= "true") arguments into a map.
 * Returns the problems it found (positional arguments, repeated flags).
 */
export function parseFlags(argv: readonly string[]): { flags: Map<string, string>; errors: string[] } {
  const flags = new Map<string, string>();
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("--")) {
      errors.push(`unexpected argument ${JSON.stringify(arg)} (options are --name=value)`);
      continue;
    }
    const eq = arg.indexOf("=");
    let name = arg.slice(2);
    let value = "true";
    if (eq >= 0) {
      name = arg.slice(2, eq);
      value = arg.slice(eq + 1);
    } else if (i + 1 < argv.length && !(argv[i + 1] ?? "").startsWith("--")) {
      value = argv[++i] ?? "";
    }
    if (flags.has(name)) errors.push(`--${name} given more than once`);
    flags.set(name, value);
  }
  return { flags, errors };
}
