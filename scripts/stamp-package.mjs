// Stamps a package folder (argument; default pkg/) from pkg-template/: the version from
// Cargo.toml, the CommonJS twin of error.mjs, and the package files. Run by scripts/build.sh
// after the wasm and its glue are in <folder>/wasm/.
import { readFileSync, writeFileSync, cpSync, copyFileSync, existsSync } from "node:fs";

const root = new URL("../", import.meta.url);
const template = new URL("pkg-template/", root);
const pkg = new URL(`${process.argv[2] ?? "pkg"}/`, root);

const cargo = readFileSync(new URL("Cargo.toml", root), "utf8");
const version = /^version = "(.+)"$/m.exec(cargo)[1];
const manifest = JSON.parse(readFileSync(new URL("package.json", template), "utf8"));
manifest.version = version;
writeFileSync(new URL("package.json", pkg), `${JSON.stringify(manifest, null, 2)}\n`);

// Every file the manifest lists and the template holds (files or folders) is copied as is; the
// rest (the wasm and its glue, error.cjs) is produced by the build.
for (const file of manifest.files) {
  if (existsSync(new URL(file, template))) cpSync(new URL(file, template), new URL(file, pkg), { recursive: true });
}

// The repository's license ships as is; the ESM twin of the types is the same file under the
// name TypeScript reads as an ES module (so `import` resolves no phantom default export).
copyFileSync(new URL("LICENSE", root), new URL("LICENSE", pkg));
copyFileSync(new URL("index.d.ts", template), new URL("index.d.mts", pkg));

// One source for the error class: the CommonJS copy is derived, so the two cannot drift.
const esm = readFileSync(new URL("error.mjs", template), "utf8");
const names = [...esm.matchAll(/^export (?:class|function) (\w+)/gm)].map((m) => m[1]);
const cjs = `"use strict";\n${esm.replace(/^export /gm, "")}\nmodule.exports = { ${names.join(", ")} };\n`;
writeFileSync(new URL("error.cjs", pkg), cjs);

for (const file of manifest.files) readFileSync(new URL(file, pkg)); // every listed file exists
console.log(`${process.argv[2] ?? "pkg"}/ stamped: cloudtower-wasm@${version}`);
