// Bundles the browser SDK and the overlay into server/eventlayer/static/ and prints their sizes.
// The bundles are committed so that a machine with Python alone can run the server; `make check-bundles`
// rebuilds them and fails when they differ from the committed files.
import { build } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const OUT = "server/eventlayer/static";
const SDK_BUDGET_GZIP_BYTES = 12 * 1024;

const targets = [
  { entry: "client/src/global.js", outfile: `${OUT}/sdk.js`, format: "iife", budget: SDK_BUDGET_GZIP_BYTES },
  { entry: "client/src/index.js", outfile: `${OUT}/sdk.esm.js`, format: "esm" },
  { entry: "overlay/src/global.js", outfile: `${OUT}/overlay.js`, format: "iife" },
];

let overBudget = false;
for (const target of targets) {
  if (!existsSync(target.entry)) {
    console.log(`skip ${target.outfile}: ${target.entry} does not exist`);
    continue;
  }
  await build({
    entryPoints: [target.entry],
    outfile: target.outfile,
    bundle: true,
    minify: true,
    format: target.format,
    target: ["es2019"],
    legalComments: "none",
    logLevel: "warning",
  });
  const bytes = readFileSync(target.outfile);
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  const budgetNote = target.budget ? ` (budget ${(target.budget / 1024).toFixed(0)} KB gzipped)` : "";
  console.log(`${target.outfile}: ${(bytes.length / 1024).toFixed(1)} KB minified, ${(gzipped / 1024).toFixed(1)} KB gzipped${budgetNote}`);
  if (target.budget && gzipped > target.budget) overBudget = true;
}
if (overBudget) {
  console.error("A bundle is over its size budget.");
  process.exit(1);
}
