// Bundles the browser client, client/src/app.ts, into client/public/app.js (+ app.js.map).
//
// Runs as wrangler's `build.command` (wrangler.jsonc) before `wrangler dev`, `wrangler deploy`
// and every scripts/local-worker.ts start, and by hand: `node scripts/build-client.mjs`.
// Paths resolve from this file rather than the working directory, so it works from anywhere.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild"; // installed as a dependency of wrangler

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outfile = "client/public/app.js";

try {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["client/src/app.ts"],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    minify: true,
    sourcemap: true,
    legalComments: "none",
    logLevel: "warning", // esbuild prints warnings and errors itself
    metafile: true,
  });
  const bytes = result.metafile.outputs[outfile]?.bytes;
  console.log(`built ${outfile}${bytes === undefined ? "" : ` (${bytes} bytes)`}`);
} catch (err) {
  console.error(`client build failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  process.exit(1);
}
