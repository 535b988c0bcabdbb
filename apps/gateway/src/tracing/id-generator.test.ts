import { describe, expect, it } from "vitest";
import { createIdGenerator } from "./id-generator.js";

describe("createIdGenerator()", () => {
  const ids = createIdGenerator();
  const cases = [
    ["trace id", () => ids.generateTraceId(), /^[0-9a-f]{32}$/],
    ["span id", () => ids.generateSpanId(), /^[0-9a-f]{16}$/],
  ] as const;
  for (const [name, generate, shape] of cases) {
    it(`makes valid, distinct ${name}s`, () => {
      const seen = new Set<string>();
      for (let i = 0; i < 1000; i++) {
        const id = generate();
        expect(id).toMatch(shape);
        expect(id).not.toMatch(/^0+$/);
        seen.add(id);
      }
      expect(seen.size).toBe(1000);
    });
  }
});
