import type { RecordCodec } from "../records/codec.js";

/**
 * The codec of tables holding plain UTF-8 strings: `config/<key>` (dynamic config, §12.4) and
 * `leaderLatch/<candidateId>` (§1.7). Every text is valid.
 */
export const stringCodec: RecordCodec<string> = Object.freeze({
  decode: (text: string) => text,
  encode: (value: string) => value,
});
