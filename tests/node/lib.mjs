// What every client conformance script shares: the server run.mjs started, and how to skip.

// The running server, e.g. `http://127.0.0.1:40123` (no trailing slash).
export const baseUrl = required("ORGRAPH_URL");

// The GraphQL endpoint.
export const endpoint = `${baseUrl}/graphql`;

// A token for the demo user `demoUser`, to send as `Authorization: Bearer <token>`.
export const token = required("ORGRAPH_TOKEN");

// The demo user the token names (the owner of Northwind Logistics).
export const demoUser = required("ORGRAPH_DEMO_USER");

// A token for an analyst of Northwind: names of its people, none of their personal fields.
export const memberToken = required("ORGRAPH_MEMBER_TOKEN");

// Ends the script as skipped: run.mjs counts a script that printed `SKIP:` and exited 0 so.
export function skip(reason) {
  console.log(`SKIP: ${reason}`);
  process.exit(0);
}

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set: run the scripts through tests/node/run.mjs`);
    process.exit(2);
  }
  return value;
}
