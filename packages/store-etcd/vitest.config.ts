import { defineProject } from "vitest/config";
import { projectConfig } from "../../vitest.shared.js";

export default defineProject(projectConfig({ name: "store-etcd", testTimeoutMs: 30000 }));
