import { ConnectError } from "@connectrpc/connect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { requireOneMessage } from "./request-envelopes.js";

/** What the checker made of a body: the bytes it passed on, and the error it ended with, if any. */
interface Outcome {
  readonly bytes: number[];
  readonly error?: string;
}

async function run(chunks: readonly Uint8Array[]): Promise<Outcome> {
  async function* source() {
    yield* chunks;
  }
  const bytes: number[] = [];
  try {
    for await (const chunk of requireOneMessage(source(), "m")) bytes.push(...chunk);
    return { bytes };
  } catch (error) {
    // Anything but a ConnectError would escape as an internal failure of the request.
    expect(error).toBeInstanceOf(ConnectError);
    return { bytes, error: (error as ConnectError).rawMessage };
  }
}

/** Splits `body` at the given points (any order, duplicates allowed). */
function split(body: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, body.length]) {
    chunks.push(body.subarray(start, point));
    start = point;
  }
  return chunks;
}

const frame = fc
  .record({ flags: fc.constantFrom(0, 1, 0x80), body: fc.uint8Array({ maxLength: 12 }) })
  .map(({ flags, body }) => [flags, 0, 0, 0, body.length, ...body]);

// A body made of whole frames, optionally followed by a torn one or by garbage.
const requestBody = fc
  .tuple(fc.array(frame, { maxLength: 4 }), fc.uint8Array({ maxLength: 8 }))
  .map(([frames, tail]) => new Uint8Array([...frames.flat(), ...tail]));

describe("requireOneMessage() on any body, however it is split", () => {
  it("answers the same whatever the chunking, never throws anything but INVALID_ARGUMENT, and passes an accepted body on unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(requestBody, fc.array(fc.nat(), { maxLength: 6 }), async (body, cuts) => {
        const whole = await run([body]);
        const chunked = await run(split(body, cuts));
        expect(chunked.error).toEqual(whole.error);
        if (whole.error === undefined) expect(chunked.bytes).toEqual([...body]);
        // What was passed on before an error is always a prefix of the body.
        expect(chunked.bytes).toEqual([...body.subarray(0, chunked.bytes.length)]);
      }),
      { numRuns: 300 },
    );
  });

  it("accepts exactly one complete message, and refuses two", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 3 }), async (frames) => {
        const body = new Uint8Array(frames.flat());
        const outcome = await run([body]);
        const first = frames[0] as number[];
        if (first[0] === 0x80) expect(outcome.error).toMatch(/trailers frame/);
        else if (frames.length === 1) expect(outcome.error).toBeUndefined();
        else if ((frames[1] as number[])[0] === 0x80) expect(outcome.error).toMatch(/trailers frame/);
        else expect(outcome.error).toMatch(/more than one message/);
      }),
      { numRuns: 200 },
    );
  });
});
