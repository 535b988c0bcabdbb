import { defineProject } from "vitest/config";
import { GATEWAY_IMAGE_TESTS, GATEWAY_SOAK_TESTS, projectConfig } from "../../vitest.shared.js";

// End-to-end tests start real processes (a gateway and an example runtime from source, etcd);
// on a busy 2-core machine a start can take tens of seconds, so the limits are generous. A
// normal run of a file takes 5-30 s. The soaks run in their own project, after everything else
// (see the root vitest.config.ts), and so do the image tests, in a group after them.
export default defineProject(
  projectConfig({
    name: "gateway",
    testTimeoutMs: 120_000,
    exclude: [...GATEWAY_SOAK_TESTS, ...GATEWAY_IMAGE_TESTS],
  }),
);
