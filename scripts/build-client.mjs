// Bundles the browser client: the live page, client/src/app.ts, into client/public/app.js, the
// admin page, client/src/admin.ts, into client/public/admin.js, and the recognition page,
// client/src/rewards.ts, into client/public/rewards.js, the wallboard, client/src/wallboard.ts, into
// client/public/wallboard.js, and the manager dashboard, client/src/dashboard.ts, into
// client/public/dashboard.js (each with its .map).
//
// Runs as wrangler's `build.command` (wrangler.jsonc) before `wrangler dev`, `wrangler deploy`
// and every scripts/local-worker.ts start, and by hand: `node scripts/build-client.mjs`.
// Paths resolve from this file rather than the working directory, so it works from anywhere.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild"; // installed as a dependency of wrangler

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = "client/public";
// Each page is one self-contained file; what they share (client/src/page.ts) is small enough to
// bundle twice rather than load as a third file.
const entryPoints = { app: "client/src/app.ts", admin: "client/src/admin.ts", rewards: "client/src/rewards.ts", wallboard: "client/src/wallboard.ts", dashboard: "client/src/dashboard.ts" };

try {
  const result = await build({
    absWorkingDir: root,
    entryPoints,
    outdir,
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
  for (const name of Object.keys(entryPoints)) {
    const outfile = `${outdir}/${name}.js`;
    const bytes = result.metafile.outputs[outfile]?.bytes;
    console.log(`built ${outfile}${bytes === undefined ? "" : ` (${bytes} bytes)`}`);
  }
} catch (err) {
  console.error(`client build failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  process.exit(1);
}
