// Client conformance: starts the debug binary on a temporary SQLite database with the demo
// data, mints a token for a demo user with the binary's own CLI, runs every *.test.mjs beside
// this file with the server's URL and the token in the environment, reports each script,
// stops the server, and exits non-zero when any script failed.
//
//   npm ci --prefix tests/node && node tests/node/run.mjs [name-filter]
//
// ORGRAPH_BIN names another binary (default: target/debug/orgraph, which `cargo test` builds).
// A script reports a skip by printing a line that starts with "SKIP:" (lib.mjs's `skip`) and
// exiting 0.

import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.ORGRAPH_BIN ?? path.resolve(here, "../../target/debug/orgraph");
// The demo's owner of Northwind Logistics (README, "Querying").
const demoUser = "amara.okafor@northwind.example";
// An analyst of the same organisation: sees names of its people, not their personal fields.
const demoMember = "chen.wei@northwind.example";
const startTimeout = 180_000;
const scriptTimeout = 120_000;

if (!existsSync(binary)) {
  console.error(`${binary} is missing: build it first (cargo build, or cargo test)`);
  process.exit(2);
}

const folder = mkdtempSync(path.join(tmpdir(), "orgraph-node-"));
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATABASE_URL: `sqlite://${folder}/orgraph.db?mode=rwc`,
  ORGRAPH_LISTEN: "127.0.0.1:0",
  ORGRAPH_JWT_SECRET: randomBytes(32).toString("hex"),
  ORGRAPH_SEED_DEMO: "true",
  ORGRAPH_JOBS: "false",
  RUST_LOG: "warn",
};

// Starts `orgraph serve` and resolves with its base URL once /readyz answers `ready`.
async function startServer() {
  const server = spawn(binary, ["serve"], { cwd: folder, env, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => server.once("exit", (code, signal) => resolve({ code, signal })));
  const announced = new Promise((resolve) => {
    createInterface({ input: server.stdout }).on("line", (line) => {
      const match = line.match(/serving GraphiQL at (http:\/\/\S+)\/graphql/);
      if (match) resolve(match[1]);
    });
  });
  const failed = exited.then(({ code, signal }) => {
    throw new Error(`orgraph serve exited (${signal ?? code}) before it was ready`);
  });
  const timedOut = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`orgraph was not ready within ${startTimeout / 1000}s`)), startTimeout).unref(),
  );
  const ready = (async () => {
    const base = await announced;
    // The listener is bound before the line is printed; readiness also needs the database.
    for (;;) {
      const answer = await fetch(`${base}/readyz`).then((response) => response.text(), () => "");
      if (answer === "ready") return base;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    const base = await Promise.race([ready, failed, timedOut]);
    return { base, stop: () => stop(server, exited) };
  } catch (error) {
    await stop(server, exited);
    throw error;
  }
}

async function stop(server, exited) {
  if (server.exitCode === null && server.signalCode === null) server.kill("SIGTERM");
  await exited;
}

// Runs one script; resolves with "passed", "failed" or "skipped".
function runScript(file, scriptEnv) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: here, env: scriptEnv, stdio: ["ignore", "pipe", "inherit"] });
    let skipped = false;
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("SKIP:")) skipped = true;
      console.log(`  ${line}`);
    });
    const timer = setTimeout(() => {
      console.log(`  timed out after ${scriptTimeout / 1000}s`);
      child.kill("SIGKILL");
    }, scriptTimeout);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code !== 0 ? "failed" : skipped ? "skipped" : "passed");
    });
  });
}

const filter = process.argv[2] ?? "";
const scripts = readdirSync(here)
  .filter((name) => name.endsWith(".test.mjs") && name.includes(filter))
  .sort();
if (scripts.length === 0) {
  console.error(`no tests/node/*.test.mjs matches "${filter}"`);
  process.exit(2);
}

const counts = { passed: 0, failed: 0, skipped: 0 };
let server;
try {
  server = await startServer();
  const mint = (email) => execFileSync(binary, ["token", "--email", email], { cwd: folder, env, encoding: "utf8" }).trim();
  const token = mint(demoUser);
  const memberToken = mint(demoMember);
  console.log(`orgraph ready at ${server.base}; running ${scripts.length} script(s)`);
  for (const script of scripts) {
    const started = Date.now();
    console.log(`${script}:`);
    const outcome = await runScript(path.join(here, script), {
      ...process.env,
      ORGRAPH_URL: server.base,
      ORGRAPH_TOKEN: token,
      ORGRAPH_MEMBER_TOKEN: memberToken,
      ORGRAPH_DEMO_USER: demoUser,
    });
    counts[outcome] += 1;
    console.log(`${outcome.toUpperCase()} ${script} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  }
} catch (error) {
  console.error(`client conformance could not run: ${error.message}`);
  counts.failed += 1;
} finally {
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
}
console.log(`node: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(counts.failed === 0 ? 0 : 1);
