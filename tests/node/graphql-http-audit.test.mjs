// The graphql-http package's own server audit (the GraphQL over HTTP spec's MUSTs, SHOULDs and
// MAYs) against the running server: any MUST or SHOULD that does not pass fails the script;
// a MAY that does not is reported.

import { auditServer } from "graphql-http";
import { endpoint } from "./lib.mjs";

const results = await auditServer({ url: endpoint });
const failed = results.filter((result) => result.status !== "ok");
for (const result of failed) {
  console.log(`${result.status} ${result.id} ${result.name}: ${result.reason ?? ""}`);
}
const binding = failed.filter((result) => !result.name.startsWith("MAY"));
console.log(
  `${results.length} audits: ${results.length - failed.length} pass, ` +
    `${binding.length} MUST/SHOULD fail, ${failed.length - binding.length} MAY fail`,
);
process.exit(binding.length === 0 ? 0 : 1);
