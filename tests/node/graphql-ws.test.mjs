// The graphql-ws client (the one Apollo's GraphQLWsLink and urql use), over the `ws` package
// since Node 20 has no WebSocket of its own, runs the README's "Live dashboards" example: a
// query over the socket, then a subscription from the resume token read with it, which
// delivers a rename made over HTTP.

import assert from "node:assert/strict";

import { createClient } from "graphql-ws";
import WebSocket from "ws";

import { endpoint, token } from "./lib.mjs";

const client = createClient({
  url: endpoint.replace(/^http/, "ws"),
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
});
try {
  const read = client.iterate({
    query: `query($slug: String!) { organization(slug: $slug) { id name resumeToken digitalTwin { maturityScore } } }`,
    variables: { slug: "northwind-logistics" },
  });
  const { value: first } = await read.next();
  assert.equal(first.errors, undefined, JSON.stringify(first));
  const organization = first.data.organization;
  assert.ok(organization.digitalTwin.maturityScore > 0, JSON.stringify(first));

  const events = client.iterate({
    query: `subscription($org: ID!, $after: String) {
      organizationEvents(organizationId: $org, resumeToken: $after) {
        type occurredAt resumeToken organization { name }
      }
    }`,
    variables: { org: organization.id, after: organization.resumeToken },
  });
  const renamed = `${organization.name} (graphql-ws)`;
  await rename(organization.id, renamed);
  const { value: event } = await events.next();
  assert.equal(event.errors, undefined, JSON.stringify(event));
  assert.equal(event.data.organizationEvents.type, "ORGANIZATION_UPDATED");
  assert.equal(event.data.organizationEvents.organization.name, renamed);
  assert.ok(event.data.organizationEvents.resumeToken);
  await events.return();
  await rename(organization.id, organization.name);
  console.log(`graphql-ws: a query, then "${renamed}" delivered from the resume token`);
} finally {
  await client.dispose();
}

async function rename(id, name) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: `mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { name } } }`,
      variables: { input: { organizationId: id, name } },
    }),
  });
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body));
}
