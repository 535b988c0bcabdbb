import { describe, expect, it } from "vitest";
import { FRESH_ANSWER_MS, RecentAnswers } from "./guarded-write.js";

describe("RecentAnswers", () => {
  it("counts a connection as fresh for FRESH_ANSWER_MS after an answer, and not after a failure", async () => {
    const answers = new RecentAnswers();
    const connection = {};
    const other = {};
    expect(answers.fresh(connection)).toBe(false);
    answers.saw(connection);
    expect(answers.fresh(connection)).toBe(true);
    expect(answers.fresh(other)).toBe(false);
    answers.forget(connection);
    expect(answers.fresh(connection)).toBe(false);
    answers.saw(connection);
    // Time must pass for the answer to go stale.
    await new Promise((resolve) => setTimeout(resolve, FRESH_ANSWER_MS + 20));
    expect(answers.fresh(connection)).toBe(false);
  });
});
