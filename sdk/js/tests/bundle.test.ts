// @vitest-environment node
// The committed dist/payouts-session.js (embedded by the Go server, served at
// /embed/payouts-session.js) must be what `npm run build` makes from src/, stay small, carry
// no React, and work.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, test } from "vitest";
import { elementBuild, reactBuild } from "../scripts/build-config.mjs";

const committedPath = new URL("../dist/payouts-session.js", import.meta.url);

async function bundle(options: typeof elementBuild): Promise<string> {
  const result = await build({ ...options, write: false });
  return result.outputFiles[0].text;
}

describe("dist/payouts-session.js", () => {
  test("is current: rebuilding src/ gives the committed file (run npm run build and commit it)", async () => {
    const fresh = await bundle(elementBuild);
    const committed = readFileSync(committedPath, "utf8");
    expect(committed === fresh, "dist/payouts-session.js is stale: run `npm run build` in sdk/js and commit it").toBe(true);
  });

  test("is under 15 KB gzipped and has no React in it", () => {
    const bytes = readFileSync(committedPath);
    expect(gzipSync(bytes, { level: 9 }).length).toBeLessThan(15 * 1024);
    const text = bytes.toString("utf8");
    expect(text).not.toMatch(/from\s*"react/);
    expect(text).not.toContain("react-dom");
  });
});

describe("dist/react.js", () => {
  test("keeps React external and starts with \"use client\"", async () => {
    const text = await bundle(reactBuild as typeof elementBuild);
    expect(text.startsWith('"use client";')).toBe(true);
    expect(text).toMatch(/from"react"/);
    expect(text).toMatch(/from"react\/jsx-runtime"/);
    expect(text).not.toContain("__SECRET_INTERNALS");
    expect(text.length).toBeLessThan(40_000);
  });
});
