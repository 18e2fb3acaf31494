// Stamps a package folder (argument; default pkg/) from pkg-template/: the version from
// Cargo.toml, the CommonJS twin of error.mjs, the ESM/CommonJS type entries, the inline entry
// and the package files. Run by scripts/build.sh after the wasm and its glue are in <folder>/wasm/.
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

copyFileSync(new URL("LICENSE", root), new URL("LICENSE", pkg));

// One source for the types, under the two names TypeScript reads as an ES module (.d.mts, for
// `import`) and as CommonJS (.d.cts, for `require`): each re-exports the client's declarations
// from the glue of its own module system, so node16/nodenext never see CommonJS import ESM.
const types = readFileSync(new URL("index.d.ts", template), "utf8");
writeFileSync(new URL("index.d.mts", pkg), types);
writeFileSync(new URL("index.d.cts", pkg), replaceAll(types, '"./wasm/web.mjs"', '"./wasm/node.cjs"'));

// The inline entry (wasm embedded, for Node bundles that ship one file) is the Node entry over
// the glue that reads its bytes from wasm/inline-bytes.cjs instead of the file beside it.
const inlineHeader = "// Node, bundlers of Node scripts: the Node entry with the wasm embedded (wasm/inline-bytes.cjs).\n";
const indexCjs = readFileSync(new URL("index.cjs", template), "utf8");
writeFileSync(new URL("inline.cjs", pkg), inlineHeader + replaceAll(indexCjs, '"./wasm/node.cjs"', '"./wasm/node-inline.cjs"'));
const indexMjs = readFileSync(new URL("index.mjs", template), "utf8");
writeFileSync(new URL("inline.mjs", pkg), inlineHeader + replaceAll(indexMjs, '"./index.cjs"', '"./inline.cjs"'));
const glue = readFileSync(new URL("wasm/node.cjs", pkg), "utf8");
const readsFile = "const wasmPath = `${__dirname}/cloudtower_wasm_bg.wasm`;\nconst wasmBytes = require('fs').readFileSync(wasmPath);";
const inlineGlue = replaceAll(glue, readsFile, 'const wasmBytes = require("./inline-bytes.cjs");');
// A bundle of it must need nothing at run time but itself: no file path, no Node built-in.
if (/__dirname|__filename|require\((?!"\.\/inline-bytes\.cjs"\))/.test(inlineGlue)) {
  throw new Error("stamp-package: wasm/node-inline.cjs still needs a file or a Node module");
}
writeFileSync(new URL("wasm/node-inline.cjs", pkg), inlineGlue);
const wasmBase64 = readFileSync(new URL("wasm/cloudtower_wasm_bg.wasm", pkg)).toString("base64");
writeFileSync(new URL("wasm/inline-bytes.cjs", pkg), `"use strict";\nmodule.exports = Buffer.from("${wasmBase64}", "base64");\n`);
// The glues export the same client: the CommonJS one gets the web glue's declarations.
copyFileSync(new URL("wasm/web.d.mts", pkg), new URL("wasm/node.d.cts", pkg));
writeFileSync(new URL("inline.d.mts", pkg), 'export * from "./index.mjs";\n');
writeFileSync(new URL("inline.d.cts", pkg), 'export * from "./index.cjs";\n');

/** `text` with every `from` replaced by `to`; a template that no longer holds `from` is an error. */
function replaceAll(text, from, to) {
  if (!text.includes(from)) throw new Error(`stamp-package: ${from} not found: the template changed`);
  return text.split(from).join(to);
}

// One source for the error class and the entries' setup: the CommonJS copies are derived, so
// the two module systems cannot drift.
for (const name of ["error", "setup"]) {
  const esm = readFileSync(new URL(`${name}.mjs`, template), "utf8");
  const names = [...esm.matchAll(/^export (?:class|function) (\w+)/gm)].map((m) => m[1]);
  const cjs = `"use strict";\n${esm.replace(/^export /gm, "")}\nmodule.exports = { ${names.join(", ")} };\n`;
  writeFileSync(new URL(`${name}.cjs`, pkg), cjs);
}

// The shipped README carries the CLI's exit statuses, from the table the CLI itself uses.
const { EXIT_CODE_MEANINGS } = await import(new URL("cli/errors.mjs", template));
const exitTable = ["| status | code | meaning |", "| --- | --- | --- |",
  ...EXIT_CODE_MEANINGS.map(([status, code, meaning]) => `| ${status} | ${code ? `\`${code}\`` : ""} | ${meaning} |`)].join("\n");
const readme = readFileSync(new URL("README.md", template), "utf8");
writeFileSync(new URL("README.md", pkg), replaceAll(readme, "<!-- exit statuses -->", exitTable));

for (const file of manifest.files) readFileSync(new URL(file, pkg)); // every listed file exists
console.log(`${process.argv[2] ?? "pkg"}/ stamped: cloudtower-wasm@${version}`);
