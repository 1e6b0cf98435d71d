#!/usr/bin/env node
// Regenerates kb/api/static/vendor/ from the npm registry: `make vendor` (or `node vendor.mjs`).
//
// The web pages are served with no CDN, so that the playground works on a machine with no
// internet: the files they load are copied here from the exact package versions pinned in
// package.json and package-lock.json (installed with `npm ci` into a temporary folder, never
// into the package). Each package's files go to vendor/<package>/ with its licence file; a
// bundle that inlines its dependencies (GraphiQL's UMD build) also gets THIRD-PARTY-LICENSES.txt
// with the licence of every package in it. vendor/MANIFEST.json records versions, licences,
// sizes and SHA-256 digests; tests/browser/test_assets.py checks the files against it.
//
// To upgrade: change a version in package.json, `npm install --package-lock-only`, `make vendor`,
// then run the browser tests (`pytest tests/browser`).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8"));
const out = path.join(here, "vendor");
const LICENCE = /^(licen[cs]e|copying)(\.(md|txt))?$|^licen[cs]e-mit(\.txt)?$/i;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policekb-vendor-"));
try {
  for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(here, f), path.join(tmp, f));
  execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: tmp,
    stdio: "inherit",
  });
  const lock = JSON.parse(fs.readFileSync(path.join(tmp, "package-lock.json"), "utf8")).packages;
  fs.rmSync(out, { recursive: true, force: true });
  const manifest = {};
  for (const [name, spec] of Object.entries(pkg.vendor)) {
    const src = path.join(tmp, "node_modules", name);
    const meta = JSON.parse(fs.readFileSync(path.join(src, "package.json"), "utf8"));
    const dest = path.join(out, name);
    fs.mkdirSync(dest, { recursive: true });
    const files = {};
    for (const rel of spec.files) {
      const file = path.basename(rel);
      files[file] = copy(path.join(src, rel), path.join(dest, file), true);
    }
    const licence = licenceFile(src);
    if (!licence) throw new Error(`${name}@${meta.version} ships no licence file`);
    files.LICENSE = copy(path.join(src, licence), path.join(dest, "LICENSE"), false);
    if (spec.bundles) {
      const text = thirdParty(lock, `node_modules/${name}`, tmp);
      fs.writeFileSync(path.join(dest, "THIRD-PARTY-LICENSES.txt"), text);
      files["THIRD-PARTY-LICENSES.txt"] = digest(Buffer.from(text));
    }
    manifest[name] = { version: meta.version, license: meta.license, files };
  }
  fs.writeFileSync(path.join(out, "MANIFEST.json"), JSON.stringify(manifest, null, 2) + "\n");
  for (const [name, m] of Object.entries(manifest)) {
    const bytes = Object.values(m.files).reduce((a, f) => a + f.bytes, 0);
    console.log(`${name}@${m.version} (${m.license}): ${Object.keys(m.files).join(", ")} — ${bytes} bytes`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

function licenceFile(dir) {
  return fs.readdirSync(dir).find((f) => LICENCE.test(f));
}

function digest(buf) {
  return { bytes: buf.length, sha256: createHash("sha256").update(buf).digest("hex") };
}

// A source-map comment makes browsers' developer tools ask for a .map file that is not shipped.
function copy(from, to, stripMap) {
  let buf = fs.readFileSync(from);
  if (stripMap) {
    const text = buf.toString("utf8").replace(/\n?\/[/*]# sourceMappingURL=[^\n]*\s*$/, "\n");
    buf = Buffer.from(text);
  }
  fs.writeFileSync(to, buf);
  return digest(buf);
}

// Every package a bundle inlines: its peer dependencies (GraphQL) and its dependencies,
// transitively, resolved as node resolves them. React and ReactDOM are loaded beside the
// bundle, not inside it.
function thirdParty(lock, root, dir) {
  const outside = new Set(["react", "react-dom"]);
  const resolve = (dep, from) => {
    for (let p = from; ; ) {
      const key = p ? `${p}/node_modules/${dep}` : `node_modules/${dep}`;
      if (lock[key]) return key;
      if (!p) return null;
      const i = p.lastIndexOf("/node_modules/");
      p = i < 0 ? "" : p.slice(0, i);
    }
  };
  const seen = new Set();
  const todo = [root];
  while (todo.length) {
    const key = todo.pop();
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = lock[key];
    const deps = { ...(entry.dependencies || {}), ...(entry.optionalDependencies || {}) };
    if (key === root) Object.assign(deps, entry.peerDependencies || {});
    for (const dep of Object.keys(deps)) {
      if (outside.has(dep)) continue;
      const found = resolve(dep, key);
      if (found) todo.push(found);
      else if (!(entry.peerDependencies || {})[dep]) throw new Error(`${key}: ${dep} is not installed`);
    }
  }
  seen.delete(root);
  const parts = [
    `Packages bundled into ${root.replace("node_modules/", "")}'s build, with their licences`,
    "(collected by kb/api/static/vendor.mjs from the packages as installed by npm).",
    "",
  ];
  for (const key of [...seen].sort((a, b) => name(a).localeCompare(name(b)))) {
    const entry = lock[key];
    const licence = licenceFile(path.join(dir, key));
    parts.push("=".repeat(78), `${name(key)}@${entry.version} — ${entry.license || "licence not stated"}`, "");
    parts.push(
      licence
        ? fs.readFileSync(path.join(dir, key, licence), "utf8").trim()
        : `(the package ships no licence file; its package.json says ${entry.license})`,
      "",
    );
  }
  return parts.join("\n");
}

function name(key) {
  return key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
}
