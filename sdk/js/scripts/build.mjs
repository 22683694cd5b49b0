// npm run build: both bundles (then tsc writes the .d.ts files, see package.json).
import { build } from "esbuild";
import { elementBuild, reactBuild } from "./build-config.mjs";

await Promise.all([build(elementBuild), build(reactBuild)]);
