import type { TestMesh } from "@modelmesh/testkit/mesh";

/**
 * The models `mesh`'s runtime holds now, from its event log (loaded, minus unloaded, cleared by a
 * purge): what the instance's record must count.
 */
export async function heldModels(mesh: TestMesh): Promise<Set<string>> {
  const runtime = mesh.runtime;
  if (runtime === undefined) throw new Error(`${mesh.instanceId} has no runtime`);
  await runtime.syncEvents();
  const held = new Set<string>();
  for (const event of runtime.events()) {
    const modelId = typeof event.modelId === "string" ? event.modelId : "";
    if (event.event === "model-loaded") held.add(modelId);
    else if (event.event === "model-unloaded") held.delete(modelId);
    else if (event.event === "models-purged") held.clear();
  }
  return held;
}

/** The leadership each instance last logged (true: it leads), undefined before its first change. */
export function lastLoggedLeadership(mesh: TestMesh): boolean | undefined {
  const changes = mesh
    .logs()
    .filter((line) => line.msg === "this instance is now the leader" || line.msg === "leadership changed");
  const last = changes.at(-1);
  return last === undefined ? undefined : last.isLeader === true;
}
