// The esbuild options of both bundles, shared by scripts/build.mjs and the test that checks
// the committed dist/payouts-session.js is current (tests/bundle.test.ts).
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));

const common = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  minify: true,
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
};

/** dist/payouts-session.js: the custom element and createPayoutsSession, no React. Embedded by the Go server. */
export const elementBuild = {
  ...common,
  entryPoints: ["src/element.ts"],
  outfile: "dist/payouts-session.js",
};

/** dist/react.js: the React wrapper (React stays external). */
export const reactBuild = {
  ...common,
  entryPoints: ["src/react.tsx"],
  outfile: "dist/react.js",
  jsx: "automatic",
  external: ["react", "react-dom", "react/jsx-runtime"],
  banner: { js: '"use client";' },
};
