import type { HandlerContext } from "@connectrpc/connect";
import type { StoreCallOptions } from "@modelmesh/core";

/** Most of a client's deadline the store may use before the answer must be on its way: 0.5 s. */
const MAX_REPLY_MARGIN_MS = 500;

/**
 * The store budget of one management call: `configuredMs` for all of its store work, retries
 * included, or less when the client's deadline is nearer. Then the store gets the client's time
 * minus a margin (a tenth of it, at most 0.5 s), so the client hears the store's UNAVAILABLE
 * rather than its own DEADLINE_EXCEEDED. The client's signal cancels the store work too.
 */
export function storeBudget(context: HandlerContext, configuredMs: number): StoreCallOptions {
  const clientMs = context.timeoutMs();
  const timeoutMs =
    clientMs === undefined
      ? configuredMs
      : Math.min(configuredMs, clientMs - Math.min(MAX_REPLY_MARGIN_MS, clientMs / 10));
  return { signal: context.signal, timeoutMs: Math.max(1, Math.floor(timeoutMs)) };
}
