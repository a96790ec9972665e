// GraphiQL in a real browser (Debian's chromium), with every request to anything but the
// server refused: the page loads with a hint at the token in Headers, runs its first tab's
// query and shows the demo's maturity levels, and runs a signed-in tab given the token.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";

import { chromium } from "playwright-core";

import { baseUrl, endpoint, skip, token } from "./lib.mjs";

const headersEditor = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror";
const resultEditor = ".result-window .CodeMirror";
const tokenHint = /"Authorization": "Bearer <the output of: cargo run -q -- token --email [^>]+>"/;
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(browserPath)) {
  skip(`${browserPath} is not installed (apt-get install chromium): GraphiQL was not tried in a browser`);
}

const browser = await chromium.launch({
  executablePath: browserPath,
  headless: true,
  // Root in a container has no user namespace for chromium's sandbox.
  args: ["--no-sandbox"],
});
try {
  const context = await browser.newContext();
  const server = new URL(baseUrl).origin;
  const refused = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === server) return route.continue();
    refused.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));

  await page.goto(endpoint);
  await page.locator(".graphiql-query-editor .CodeMirror").waitFor({ timeout: 30_000 });
  const tabs = await page.locator(".graphiql-tab").count();
  assert.ok(tabs >= 6, `GraphiQL opens with a tab per example, saw ${tabs}`);

  // Headers opens with a hint at the token; the first tab runs with it as it is, from the
  // button, as a person would.
  assert.match(await editorValue(page, headersEditor), tokenHint);
  await page.locator(".graphiql-execute-button").click();
  const result = await resultOf(page);
  const levels = result.data?.maturityLevels ?? [];
  assert.equal(levels.length, 10, JSON.stringify(result));
  assert.equal(levels[0].name, "Absent");
  console.log(`first tab: ${levels.length} maturity levels, from "${levels[0].name}" to "${levels[9].name}"`);

  // The second tab (the dashboard) needs the token: with a real one in place of the hint it
  // shows Northwind's digital twin.
  await page.locator(".graphiql-tab").nth(1).click();
  assert.match(await editorValue(page, headersEditor), tokenHint);
  await page.evaluate(
    ([selector, headers]) => document.querySelector(selector).CodeMirror.setValue(headers),
    [headersEditor, JSON.stringify({ Authorization: `Bearer ${token}` })],
  );
  // This time from the keyboard, in the query editor.
  await page.locator(".graphiql-query-editor .CodeMirror").click();
  await page.keyboard.press("Control+Enter");
  const dashboard = await resultOf(page);
  const twin = dashboard.data?.organization?.digitalTwin;
  assert.ok(twin?.maturityLevel?.name, JSON.stringify(dashboard).slice(0, 500));
  console.log(`second tab, signed in: ${dashboard.data.organization.name} at maturity "${twin.maturityLevel.name}"`);

  if (process.env.GRAPHIQL_SCREENSHOT) {
    await page.screenshot({ path: process.env.GRAPHIQL_SCREENSHOT });
  }
  assert.deepEqual(refused, [], "the page asked nothing of any other server");
  assert.deepEqual(pageErrors, [], "the page raised no script error");
  console.log("no request left the server's origin");
} finally {
  await browser.close();
}

async function editorValue(page, selector) {
  await page.locator(selector).waitFor();
  return page.evaluate((selector) => document.querySelector(selector).CodeMirror.getValue(), selector);
}

// The response the result pane shows, once it shows one.
async function resultOf(page) {
  const shown = await page.waitForFunction(
    (selector) => {
      const value = document.querySelector(selector)?.CodeMirror?.getValue() ?? "";
      return value.trim().startsWith("{") ? value : false;
    },
    resultEditor,
    { timeout: 30_000 },
  );
  return JSON.parse(await shown.jsonValue());
}
