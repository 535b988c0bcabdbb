import { integer } from "../parsers.js";
import type { ConfigReader } from "../reader.js";

/** Periods and ages of background work (§12.3 and §12.5 of the behaviour reference). */
export interface TimingsSection {
  readonly janitorIntervalMs: number;
  readonly rateCheckIntervalMs: number;
  readonly minSecondCopyAgeMs: number;
  readonly maxSecondCopyAgeMs: number;
  /** Undefined = derived from the runtime's load timeout (10 × max(3 s, timeout/3)). */
  readonly minChurnAgeMs?: number;
  readonly instancePublishIntervalMs: number;
  readonly instancePublishMinIntervalMs: number;
  readonly reaperIntervalMs: number;
  readonly assumeInstanceGoneAfterMs: number;
}

/** Reads the timing tunables; each mirrors a constant or JVM property of the original. */
export function readTimingsSection(r: ConfigReader): TimingsSection {
  const ms = (env: string, description: string, def: number, min = 1) =>
    r.read({ env, description: `${description} (ms)`, default: def }, integer(min));
  const minChurnAgeMs = r.read(
    {
      env: "MM_MIN_CHURN_AGE_MS",
      description:
        "a full cache refuses loads while its LRU entry is younger (ms; default from load timeout)",
    },
    integer(0),
  );
  return {
    janitorIntervalMs: ms("MM_JANITOR_INTERVAL_MS", "janitor period", 360_000, 10),
    rateCheckIntervalMs: ms("MM_RATE_CHECK_INTERVAL_MS", "rate check period", 10_000, 10),
    minSecondCopyAgeMs: ms("MM_MIN_SECOND_COPY_AGE_MS", "second copy window start", 420_000, 0),
    maxSecondCopyAgeMs: ms("MM_MAX_SECOND_COPY_AGE_MS", "second copy window end", 2_400_000, 0),
    ...(minChurnAgeMs === undefined ? {} : { minChurnAgeMs }),
    instancePublishIntervalMs: ms(
      "MM_INSTANCE_PUBLISH_INTERVAL_MS",
      "instance record publish period",
      40_000,
      10,
    ),
    instancePublishMinIntervalMs: ms(
      "MM_INSTANCE_PUBLISH_MIN_INTERVAL_MS",
      "minimum gap between instance record publishes",
      2000,
      0,
    ),
    reaperIntervalMs: ms("MM_REAPER_INTERVAL_MS", "leader reaper period", 420_000, 10),
    assumeInstanceGoneAfterMs: ms(
      "MM_ASSUME_INSTANCE_GONE_AFTER_MS",
      "prune registrations of instances missing this long",
      600_000,
      0,
    ),
  };
}
