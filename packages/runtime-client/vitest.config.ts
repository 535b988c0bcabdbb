import { defineProject } from "vitest/config";
import { projectConfig } from "../../vitest.shared.js";

export default defineProject(projectConfig({ name: "runtime-client", testTimeoutMs: 30000 }));
