// npm run size: the element bundle's size, raw and gzipped (target: under 15 KB gzipped).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const LIMIT = 15 * 1024;
for (const file of ["dist/payouts-session.js", "dist/react.js"]) {
  let bytes;
  try {
    bytes = readFileSync(new URL(`../${file}`, import.meta.url));
  } catch {
    console.log(`${file}: missing (run npm run build)`);
    continue;
  }
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`${file}: ${bytes.length} bytes, ${gz} bytes gzipped (${(gz / 1024).toFixed(2)} KB)`);
  if (file === "dist/payouts-session.js" && gz > LIMIT) {
    console.error(`${file} is over the ${LIMIT / 1024} KB gzipped budget`);
    process.exitCode = 1;
  }
}
