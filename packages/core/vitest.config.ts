import { defineProject } from "vitest/config";
import { projectConfig } from "../../vitest.shared.js";

const base = projectConfig({ name: "core", testTimeoutMs: 30_000 });

// The core is pure (no globals patched, no timers, no I/O), so its test files can share
// workers without per-file isolation: the suite runs several times faster and stays well
// inside its 10 s budget. The generous per-test timeout is for property tests when the whole
// repository suite shares the machine.
export default defineProject({ ...base, test: { ...base.test, isolate: false } });
