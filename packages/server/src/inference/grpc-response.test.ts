import { describe, expect, it } from "vitest";
import { encodeGrpcMessage } from "./grpc-response.js";

describe("encodeGrpcMessage()", () => {
  const cases: [string, string][] = [
    ["model not found", "model not found"],
    ["100% done", "100%25 done"],
    ["line\nbreak", "line%0Abreak"],
    ["café", "caf%C3%A9"],
  ];
  for (const [message, encoded] of cases) {
    it(`encodes ${JSON.stringify(message)}`, () => {
      expect(encodeGrpcMessage(message)).toBe(encoded);
      expect(decodeURIComponent(encoded)).toBe(message);
    });
  }
});
