// Apollo Client with InMemoryCache, as a dashboard uses it: a query one of whose personal
// fields the viewer may not see. The response has `null` there beside a FORBIDDEN error, so
// the cache holds every field it asked for: a second cache-first query makes no request and
// Apollo warns of no missing field.

import assert from "node:assert/strict";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { endpoint, memberToken } from "./lib.mjs";

const warnings = [];
for (const level of ["warn", "error"]) {
  const original = console[level];
  console[level] = (...args) => {
    warnings.push(args.map(String).join(" "));
    original(...args);
  };
}

let requests = 0;
const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: new HttpLink({
    uri: endpoint,
    headers: { authorization: `Bearer ${memberToken}` },
    fetch: (...args) => {
      requests += 1;
      return fetch(...args);
    },
  }),
});

// An analyst of Northwind reads its members: everyone's name, but only their own email.
const PEOPLE = gql`
  query People {
    viewer {
      id
      memberships(first: 5) {
        nodes {
          id
          organization {
            id
            name
            members(first: 20) { totalCount nodes { id role user { id name email } } }
          }
        }
      }
    }
  }
`;

const first = await client.query({ query: PEOPLE, errorPolicy: "all" });
const forbidden = (first.error?.errors ?? []).filter((error) => error.extensions?.code === "FORBIDDEN");
assert.ok(forbidden.length > 0, `expected FORBIDDEN errors for other people's email: ${JSON.stringify(first.error)}`);
const members = first.data.viewer.memberships.nodes[0].organization.members.nodes;
const hidden = members.filter((member) => member.user.email === null);
assert.ok(hidden.length > 0, "other members' email is null");
assert.ok(members.every((member) => typeof member.user.name === "string"), "names are there");
assert.equal(requests, 1);

const second = await client.query({ query: PEOPLE, fetchPolicy: "cache-first" });
assert.equal(requests, 1, "the second cache-first query is answered from the cache");
assert.deepEqual(second.data, first.data);
const missing = warnings.filter((warning) => warning.includes("Missing field"));
assert.deepEqual(missing, [], "Apollo found every field it asked for");
console.log(`${members.length} members, ${hidden.length} emails hidden; one request for two queries`);
