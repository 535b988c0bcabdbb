import { describe, expect, it } from "vitest";
import { duplicateJsonKeys } from "./json-keys.js";

describe("duplicateJsonKeys()", () => {
  const cases: [string, string[]][] = [
    ['{"a":1,"b":2}', []],
    ['{"a":1,"a":2}', ["a"]],
    ['{"instanceId":"x","msg":"m","instanceId":"x"}', ["instanceId"]],
    ['{"a":{"b":1,"b":2},"c":[{"d":1},{"d":2}]}', ["a.b"]],
    ['{"s":"a\\"b:\\"c","t":"{\\"a\\":1,\\"a\\":2}"}', []],
    ['{"a": [1, "a", {"x": 1, "x": 2}], "a": 3}', ["a.x", "a"]],
    ['{ "k" : "v" , "k" : "w" }', ["k"]],
  ];
  for (const [text, expected] of cases) {
    it(`finds ${JSON.stringify(expected)} in ${text}`, () => {
      expect(duplicateJsonKeys(text)).toEqual(expected);
    });
  }
});
