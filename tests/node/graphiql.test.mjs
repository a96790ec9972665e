// GraphiQL in a real browser (Debian's chromium), with every request to anything but the
// server refused: the page loads with a hint at the token in Headers, runs its first tab's
// query and shows the demo's maturity levels, runs a signed-in tab given the token, and runs a
// subscription over the websocket that shows a rename made over HTTP.

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
  await settle(page);
  assert.match(await editorValue(page, headersEditor), tokenHint);
  await page.evaluate(
    ([selector, headers]) => document.querySelector(selector).CodeMirror.setValue(headers),
    [headersEditor, JSON.stringify({ Authorization: `Bearer ${token}` })],
  );
  // This time from the keyboard, in the query editor.
  await settle(page);
  await page.locator(".graphiql-query-editor .CodeMirror").click();
  await page.keyboard.press("Control+Enter");
  const dashboard = await resultOf(page);
  const twin = dashboard.data?.organization?.digitalTwin;
  assert.ok(twin?.maturityLevel?.name, JSON.stringify(dashboard).slice(0, 500));
  console.log(`second tab, signed in: ${dashboard.data.organization.name} at maturity "${twin.maturityLevel.name}"`);

  // A subscription, over the websocket with the same headers: it shows a rename sent over
  // HTTP. From the organisation's resume token, so a rename made before the socket has
  // subscribed is replayed, not missed.
  const { data: before } = await asOwner(
    `{ organization(slug: "northwind-logistics") { id name resumeToken } }`,
  );
  const northwind = before.organization;
  const subscription = `subscription {
    organizationEvents(organizationId: "${northwind.id}", resumeToken: "${northwind.resumeToken}") {
      type organization { name } } }`;
  // In a tab of its own, as a person would open one, with the token in its headers.
  await page.locator("button.graphiql-tab-add").click();
  await page.evaluate(
    ([selector, headers]) => document.querySelector(selector).CodeMirror.setValue(headers),
    [headersEditor, JSON.stringify({ Authorization: `Bearer ${token}` })],
  );
  await page.evaluate(
    ([selector, query]) => document.querySelector(selector).CodeMirror.setValue(query),
    [".graphiql-query-editor .CodeMirror", subscription],
  );
  await settle(page);
  await page.locator(".graphiql-execute-button").click();
  const rename = `mutation($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) { organization { name } } }`;
  const renamed = `${northwind.name} (live)`;
  await asOwner(rename, { input: { organizationId: northwind.id, name: renamed } });
  const event = await resultOf(page);
  assert.equal(event.data?.organizationEvents?.type, "ORGANIZATION_UPDATED", JSON.stringify(event));
  assert.equal(event.data.organizationEvents.organization.name, renamed);
  await asOwner(rename, { input: { organizationId: northwind.id, name: northwind.name } });
  console.log(`subscription tab: "${renamed}" arrived over the websocket`);

  if (process.env.GRAPHIQL_SCREENSHOT) {
    await page.screenshot({ path: process.env.GRAPHIQL_SCREENSHOT });
  }
  assert.deepEqual(refused, [], "the page asked nothing of any other server");
  assert.deepEqual(pageErrors, [], "the page raised no script error");
  console.log("no request left the server's origin");
} finally {
  await browser.close();
}

// Runs `query` over HTTP as the demo owner; the response, which must hold no error.
async function asOwner(query, variables = {}) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body));
  return body;
}

// GraphiQL takes in an edit or a change of tab (the operation name it sends) after a debounce:
// an execution started sooner sends the previous tab's operation name.
async function settle(page) {
  await page.waitForTimeout(500);
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
