// Checks one unpacked tarball (`node check-package-metadata.mjs <unpacked>/package <repo root>`) for
// what publint does not know about this project: license file and field, repository with its
// directory, engines, README, resolved workspace/catalog specifiers, shared protobuf-es and Connect
// (peers or ranges, never exact pins), every export target and bin present, and the .proto files of
// @modelmesh/proto. Prints each problem and exits 1 if there is any.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const [dir, root] = process.argv.slice(2);
const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const problems = [];
const problem = (text) => problems.push(`${pkg.name}: ${text}`);

/** Packages that must exist once in an application: exact pins would nest a second copy. */
const shared = ["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-node"];

function checkLicense() {
  if (pkg.license !== "Apache-2.0") problem(`license is ${pkg.license}, expected Apache-2.0`);
  const license = join(dir, "LICENSE");
  if (!existsSync(license)) return problem("no LICENSE file");
  if (readFileSync(license, "utf8") !== readFileSync(join(root, "LICENSE"), "utf8")) {
    problem("LICENSE differs from the repository's LICENSE");
  }
}

function checkRepository() {
  const repo = pkg.repository;
  if (typeof repo !== "object" || repo === null || typeof repo.url !== "string") {
    return problem("no repository { url, directory }");
  }
  const source = join(root, repo.directory ?? "-", "package.json");
  if (!existsSync(source) || JSON.parse(readFileSync(source, "utf8")).name !== pkg.name) {
    problem(`repository.directory "${repo.directory}" is not this package's folder`);
  }
}

function checkDocs() {
  if (pkg.engines?.node !== ">=22") problem(`engines.node is ${pkg.engines?.node}, expected ">=22"`);
  const readme = join(dir, "README.md");
  if (!existsSync(readme)) return problem("no README.md");
  const text = readFileSync(readme, "utf8");
  if (!text.includes(`npm install ${pkg.name}`))
    problem(`README.md does not show \`npm install ${pkg.name}\``);
}

function checkDependencies() {
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [name, spec] of Object.entries(pkg[field] ?? {})) {
      if (/^(workspace|catalog):/.test(spec)) problem(`${field}.${name} is unresolved: ${spec}`);
      if (shared.includes(name) && !spec.startsWith("^")) {
        problem(`${field}.${name} is ${spec}: use a caret range so the application's copy is shared`);
      }
    }
  }
  const isApp = pkg.bin !== undefined;
  for (const name of shared) {
    if (!isApp && pkg.dependencies?.[name] !== undefined) {
      problem(`${name} is a dependency: libraries take it as a peerDependency`);
    }
  }
}

/** Every file an export condition or bin points at. */
function targets(value) {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value)
    .filter(([condition]) => condition !== "@modelmesh/source")
    .flatMap(([, nested]) => targets(nested));
}

function checkEntryPoints() {
  for (const [subpath, conditions] of Object.entries(pkg.exports ?? {})) {
    if (conditions === null || subpath.includes("*")) continue;
    for (const key of typeof conditions === "string" ? [] : ["types", "import", "default"]) {
      if (conditions[key] === undefined) problem(`exports["${subpath}"] has no "${key}" condition`);
    }
    for (const target of targets(conditions)) {
      if (!existsSync(join(dir, target))) problem(`exports["${subpath}"] → ${target} is not in the tarball`);
    }
  }
  for (const [command, target] of Object.entries(pkg.bin ?? {})) {
    const file = join(dir, target);
    if (!existsSync(file)) problem(`bin ${command} → ${target} is not in the tarball`);
    else if (!readFileSync(file, "utf8").startsWith("#!/usr/bin/env node\n")) {
      problem(`bin ${command} has no "#!/usr/bin/env node" line`);
    }
  }
}

function listFiles(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

function checkProtos() {
  if (pkg.name !== "@modelmesh/proto") return;
  const source = join(root, "proto");
  for (const file of listFiles(source).filter((f) => f.endsWith(".proto"))) {
    const shipped = join(dir, "proto", relative(source, file));
    if (!existsSync(shipped)) problem(`proto/${relative(source, file)} is not in the tarball`);
    else if (readFileSync(shipped, "utf8") !== readFileSync(file, "utf8")) {
      problem(`proto/${relative(source, file)} differs from the repository's`);
    }
  }
}

checkLicense();
checkRepository();
checkDocs();
checkDependencies();
checkEntryPoints();
checkProtos();
for (const line of problems) console.error(line);
process.exit(problems.length === 0 ? 0 : 1);
