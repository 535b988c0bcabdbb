import type { IncomingHttpHeaders } from "node:http2";
import type { CopyRef } from "@modelmesh/core";
import {
  contextProblem,
  invalid,
  MAX_EXCLUDES,
  type PeerHop,
  type PeerResult,
  type PeerRoutingContext,
} from "./routing-context.js";

/**
 * Names of the routing-context headers of a forwarded inference call (documented in
 * `proto/mmesh/internal/v1/mesh_internal.proto` and docs/cluster.md).
 */
export const contextHeaderNames = {
  modelId: "mm-internal-model-id",
  hop: "mm-internal-hop",
  excludeHit: "mm-internal-exclude-hit",
  excludeMiss: "mm-internal-exclude-miss",
  knownSize: "mm-internal-known-size",
  chainCount: "mm-internal-chain-count",
  weight: "mm-internal-weight",
  destination: "mm-internal-dest",
  vModelId: "mm-internal-vmodel-id",
} as const;

/** Prefix of every header (and trailer) the peer protocol adds. */
export const PEER_HEADER_PREFIX = "mm-internal-";

/** Percent-encodes an id so any UTF-8 text fits a header and never contains `,` or `:`. */
export function encodeId(id: string): string {
  return encodeURIComponent(id);
}

// encodeURIComponent's output alphabet: anything else in an encoded id is garbage.
const encodedIdPattern = /^[A-Za-z0-9\-_.!~*'()%]+$/;

/** Decodes an id written by {@link encodeId}; undefined when empty or malformed. */
export function decodeId(text: string): string | undefined {
  if (!encodedIdPattern.test(text)) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The headers carrying `context`; optional facts at their defaults are left out. Add them to the
 * client's (filtered) headers when forwarding.
 */
export function encodeContextHeaders(context: PeerRoutingContext): Record<string, string> {
  const headers: Record<string, string> = {
    [contextHeaderNames.modelId]: encodeId(context.modelId),
    [contextHeaderNames.hop]: context.hop,
  };
  if (context.cacheHitExcludes.length > 0) {
    headers[contextHeaderNames.excludeHit] = context.cacheHitExcludes
      .map((c) => `${encodeId(c.instanceId)}:${c.loadTimestampMs}`)
      .join(",");
  }
  if (context.cacheMissExcludes.length > 0)
    headers[contextHeaderNames.excludeMiss] = context.cacheMissExcludes.map(encodeId).join(",");
  if (context.knownSizeUnits !== undefined)
    headers[contextHeaderNames.knownSize] = String(context.knownSizeUnits);
  if (context.chainLoadCount !== 0) headers[contextHeaderNames.chainCount] = String(context.chainLoadCount);
  if (context.weight !== 1) headers[contextHeaderNames.weight] = String(context.weight);
  if (context.destinationInstanceId !== undefined)
    headers[contextHeaderNames.destination] = encodeId(context.destinationInstanceId);
  if (context.vModelId !== undefined) headers[contextHeaderNames.vModelId] = encodeId(context.vModelId);
  return headers;
}

/** Thrown inside the decoder to stop at the first problem; never escapes it. */
class HeaderProblem {
  constructor(readonly message: string) {}
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw new HeaderProblem(`${name} is repeated`);
  return value;
}

function idOf(text: string, name: string): string {
  const id = decodeId(text);
  if (id === undefined || id === "") throw new HeaderProblem(`${name} holds a malformed id "${text}"`);
  return id;
}

function integerOf(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new HeaderProblem(`${name} is not a non-negative integer: "${text}"`);
  return Number(text);
}

function listOf(text: string | undefined, name: string): string[] {
  if (text === undefined || text === "") return [];
  const parts = text.split(",");
  if (parts.length > MAX_EXCLUDES) throw new HeaderProblem(`${name} lists more than ${MAX_EXCLUDES} entries`);
  return parts;
}

function copyOf(part: string): CopyRef {
  const match = /^([^:]+):(-?\d{1,16})$/.exec(part);
  if (match === null)
    throw new HeaderProblem(`${contextHeaderNames.excludeHit} entry "${part}" is not <id>:<ms>`);
  const loadTimestampMs = Number(match[2]);
  if (!Number.isSafeInteger(loadTimestampMs))
    throw new HeaderProblem(`${contextHeaderNames.excludeHit} timestamp out of range: "${part}"`);
  return { instanceId: idOf(match[1] as string, contextHeaderNames.excludeHit), loadTimestampMs };
}

function hopOf(text: string | undefined): PeerHop {
  if (text === "hit_only" || text === "load_local_only") return text;
  if (text === undefined) throw new HeaderProblem(`${contextHeaderNames.hop} is missing`);
  throw new HeaderProblem(`${contextHeaderNames.hop} is not hit_only or load_local_only: "${text}"`);
}

function optionalId(headers: IncomingHttpHeaders, name: string): string | undefined {
  const text = single(headers, name);
  return text === undefined ? undefined : idOf(text, name);
}

function decode(headers: IncomingHttpHeaders): PeerRoutingContext {
  const n = contextHeaderNames;
  const modelIdText = single(headers, n.modelId);
  if (modelIdText === undefined) throw new HeaderProblem(`${n.modelId} is missing`);
  const knownSize = single(headers, n.knownSize);
  const destination = optionalId(headers, n.destination);
  const vModelId = optionalId(headers, n.vModelId);
  return {
    modelId: idOf(modelIdText, n.modelId),
    hop: hopOf(single(headers, n.hop)),
    cacheHitExcludes: listOf(single(headers, n.excludeHit), n.excludeHit).map(copyOf),
    cacheMissExcludes: listOf(single(headers, n.excludeMiss), n.excludeMiss).map((p) =>
      idOf(p, n.excludeMiss),
    ),
    ...(knownSize === undefined ? {} : { knownSizeUnits: integerOf(knownSize, n.knownSize, 0) }),
    chainLoadCount: integerOf(single(headers, n.chainCount), n.chainCount, 0),
    weight: integerOf(single(headers, n.weight), n.weight, 1),
    ...(destination === undefined ? {} : { destinationInstanceId: destination }),
    ...(vModelId === undefined ? {} : { vModelId }),
  };
}

/**
 * Reads and strictly validates the routing context of a forwarded inference call. A missing
 * required header, a repeated one or a malformed value is an `INVALID_ARGUMENT` error naming it;
 * unknown `mm-internal-*` headers are ignored (newer senders during a rolling upgrade).
 */
export function decodeContextHeaders(headers: IncomingHttpHeaders): PeerResult<PeerRoutingContext> {
  let context: PeerRoutingContext;
  try {
    context = decode(headers);
  } catch (error) {
    if (error instanceof HeaderProblem) return invalid(error.message);
    throw error;
  }
  const problem = contextProblem(context);
  return problem === undefined ? { ok: true, value: context } : invalid(problem);
}
