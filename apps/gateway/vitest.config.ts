import { defineProject } from "vitest/config";
import { projectConfig } from "../../vitest.shared.js";

// End-to-end tests start real processes (a gateway and an example runtime from source, etcd);
// on a busy 2-core machine a start can take tens of seconds, so the limits are generous. A
// normal run of a file takes 5-30 s.
export default defineProject(projectConfig({ name: "gateway", testTimeoutMs: 120_000 }));
