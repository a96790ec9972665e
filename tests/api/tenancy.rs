//! The cross-tenant matrix. An organisation's data is visible only to its members (and to
//! platform admins); to anyone else it does not exist: the response to one of its IDs is, byte
//! for byte, the response to an ID never issued, and no error, count or cursor hints otherwise.
//! Tests ask about `alpha` as a member of `beta` in every role and as the outsider, and check
//! that alpha's own people do get an answer, so that each test could fail.

use async_graphql::dataloader::Loader;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orgraph::db::analytics::{MonthlyOf, PerformersOf};
use orgraph::db::assessments::Assessment;
use orgraph::db::audit::AuditEntry;
use orgraph::db::memberships::Membership;
use orgraph::db::organizations::Organization;
use orgraph::db::read::{Read, Reader, read};
use orgraph::db::scope::{Access, Scope};
use orgraph::db::snapshots::{SnapshotsWithin, Window};
use orgraph::domain::analytics::Performance;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::rows::{self, Row};
use crate::world::{
    ORGANIZATION_TREE, Org, Person, ROLES, World, error_codes, global_id, id_variables,
    shared_member,
};

const NODE: &str = r#"
query Node($id: ID!) { node(id: $id) { __typename id
  ... on Organization { slug name } ... on User { name title } ... on Membership { role }
  ... on Assessment { status model { version } } ... on AssessmentScore { overallScore }
  ... on DigitalTwin { maturityScore } ... on DigitalTwinSnapshot { reason }
  ... on UserConsent { granted } ... on AuditEntry { sequence tableName }
  ... on Invitation { email status organizationName }
  ... on DataRequest { type status result }
} }"#;

const NODES: &str = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";

/// A person's lists, and the viewer's own memberships.
const PERSON: &str = r#"
query Person($id: ID!) {
  node(id: $id) { ... on User { consents(first: 10) { totalCount }
    memberships(first: 10) { totalCount edges { cursor node { id organization { slug } } } }
    assessments(first: 10) { totalCount edges { cursor node { id organization { slug } } } } } }
  viewer { memberships { totalCount edges { cursor node { id organization { slug } } } } }
}"#;

/// Every filter that takes an ID, given `$user` or `$byOrg`.
const FILTERS: &str = r#"
query Filters($org: ID!, $shared: ID!, $user: ID!, $byOrg: ID!) {
  organization(id: $org) {
    byRespondent: assessments(filter: { respondentId: $user }) { ...Page }
    byOrganization: assessments(filter: { organizationId: $byOrg }) { ...Page }
    auditLog(filter: { actorId: $user }) { totalCount edges { cursor node { id } } }
  }
  node(id: $shared) { ... on User { assessments(filter: { organizationId: $byOrg }) { ...Page } } }
  viewer { assessments(filter: { organizationId: $byOrg }) { ...Page } }
}
fragment Page on AssessmentConnection {
  totalCount edges { cursor node { id } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
}"#;

/// An organisation's lists, oldest first, each after an optional cursor.
const LISTS: &str = r#"
query Lists($id: ID!, $members: String, $assessments: String, $snapshots: String, $log: String) {
  organization(id: $id) {
    members(first: 10, after: $members) { totalCount edges { cursor node { id user { id } } } }
    assessments(first: 10, after: $assessments, orderBy: { field: CREATED_AT, direction: ASC })
      { totalCount edges { cursor node { id respondent { id } } } }
    digitalTwin { id snapshots(first: 10, after: $snapshots,
      orderBy: { field: CAPTURED_AT, direction: ASC }) { totalCount edges { cursor node { id } } } }
    auditLog(first: 10, after: $log, orderBy: { field: SEQUENCE, direction: ASC })
      { totalCount edges { cursor node { id actor { id } } } }
  }
}"#;

/// Every object of `org` with a global ID, as (kind, key): one of each kind, and every member.
pub(crate) fn objects(org: &Org) -> Vec<(&'static str, String)> {
    let mut objects = vec![
        ("Organization", org.id.to_string()),
        ("Membership", org.membership.to_string()),
        ("Assessment", org.assessment.to_string()),
        ("AssessmentScore", org.score.to_string()),
        ("DigitalTwin", org.twin.to_string()),
        ("DigitalTwinSnapshot", org.snapshot.to_string()),
        ("UserConsent", org.consent.to_string()),
        ("AuditEntry", org.audit_entry.clone()),
        ("Invitation", org.invitation.to_string()),
        ("DataRequest", org.data_request.to_string()),
    ];
    objects.extend(ROLES.map(|role| ("User", org.person(role).id.to_string())));
    objects
}

/// A key of `kind` never issued: audit entries are named by a hash, everything else by a UUID.
fn unknown_key(kind: &str) -> String {
    match kind {
        "AuditEntry" => "0".repeat(64),
        _ => Uuid::now_v7().to_string(),
    }
}

/// The global IDs of every object of `org`.
pub(crate) fn global_ids(org: &Org) -> Vec<String> {
    let objects = objects(org).into_iter();
    objects.map(|(kind, key)| global_id(kind, key)).collect()
}

/// Everyone alpha must not exist for: a member of beta in every role, and the outsider.
pub(crate) fn strangers(world: &World) -> Vec<&Person> {
    let beta = ROLES.iter().map(|role| world.beta.person(role));
    beta.chain([&world.outsider]).collect()
}

/// `{"id": <the organisation's global ID>}`.
fn org_variables(org: &Org) -> Value {
    id_variables(&global_id("Organization", org.id))
}

/// The response of a root field that found nothing.
fn null_at(field: &str) -> Value {
    json!({ "data": { field: null } })
}

/// The value at JSON `pointer` in each node of a connection, e.g. `/id`.
fn along(connection: &Value, pointer: &str) -> Vec<Value> {
    let edges = connection["edges"].as_array().into_iter().flatten();
    let value = |edge: &Value| edge["node"].pointer(pointer).cloned().unwrap_or_default();
    edges.map(value).collect()
}

/// Asks `query` as `viewer` with variables naming alpha's objects and with variables naming
/// objects never issued; asserts the responses are identical, and returns it.
async fn assert_same_as_unknown(
    world: &World,
    viewer: Option<&Person>,
    query: &str,
    [foreign, unknown]: [Value; 2],
) -> Value {
    let response = world.query(viewer, query, foreign.clone()).await;
    let never_issued = world.query(viewer, query, unknown).await;
    let who = viewer.map_or("anonymous", |person| person.email.as_str());
    assert_eq!(response, never_issued, "{who}: {foreign}");
    response
}

/// Every string in `value`, and the text of each that is base64url (global IDs, cursors).
pub(crate) fn texts(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            let decoded = URL_SAFE_NO_PAD.decode(text).ok();
            into.extend(decoded.and_then(|bytes| String::from_utf8(bytes).ok()));
            into.push(text.clone());
        }
        Value::Array(items) => items.iter().for_each(|item| texts(item, into)),
        Value::Object(fields) => fields.values().for_each(|item| texts(item, into)),
        _ => {}
    }
}

/// Asserts that no text, ID or cursor in `response` names any of `keys`.
pub(crate) fn assert_no_trace(response: &Value, keys: &[Uuid]) {
    let mut all = Vec::new();
    texts(response, &mut all);
    for key in keys.iter().map(Uuid::to_string) {
        let trace = all.iter().find(|text| text.contains(&key));
        assert!(trace.is_none(), "{trace:?} names {key} in {response}");
    }
}

/// The UUID keys of everything alpha holds.
pub(crate) fn alpha_keys(world: &World) -> Vec<Uuid> {
    let objects = objects(&world.alpha).into_iter();
    objects.filter_map(|(_, key)| key.parse().ok()).collect()
}

/// The kinds of object with a global ID that anyone may read: reference data.
const PUBLIC_KINDS: [&str; 3] = ["ConsentType", "MaturityCriterion", "MaturityLevel"];

/// The matrix asks about one object of every kind an organisation owns: a new `Node` type
/// fails here until it joins `objects` (and `NODE`) or the public kinds.
#[tokio::test]
async fn the_matrix_covers_every_kind_of_node() {
    let world = World::new().await;
    let response = world
        .query(
            None,
            r#"{ __type(name: "Node") { possibleTypes { name } } }"#,
            json!({}),
        )
        .await;
    let mut kinds: Vec<String> = response["data"]["__type"]["possibleTypes"]
        .as_array()
        .expect("the Node interface's types")
        .iter()
        .map(|kind| kind["name"].as_str().expect("a name").to_owned())
        .collect();
    kinds.sort();
    let mut covered: Vec<String> = objects(&world.alpha)
        .into_iter()
        .map(|(kind, _)| kind.to_owned())
        .chain(PUBLIC_KINDS.map(str::to_owned))
        .collect();
    covered.sort();
    covered.dedup();
    assert_eq!(covered, kinds);
    for kind in &kinds {
        assert!(
            PUBLIC_KINDS.contains(&kind.as_str()) || NODE.contains(&format!("... on {kind} ")),
            "NODE reads no field of {kind}"
        );
    }
}

#[tokio::test]
async fn strangers_cannot_tell_any_object_of_another_org_from_one_never_issued() {
    let world = World::new().await;
    let owner = Some(world.alpha.person("owner"));
    let (alpha, beta) = (global_ids(&world.alpha), global_ids(&world.beta));
    let mut unknown = Vec::new();
    for (kind, key) in objects(&world.alpha) {
        let foreign = id_variables(&global_id(kind, &key));
        let own = world.query(owner, NODE, foreign.clone()).await;
        let answer = (&own["data"]["node"]["id"], own.get("errors"));
        assert_eq!(answer, (&foreign["id"], None), "alpha's owner: {own}");
        unknown.push(global_id(kind, unknown_key(kind)));
        for viewer in strangers(&world) {
            let unknown = id_variables(&global_id(kind, unknown_key(kind)));
            let pair = [foreign.clone(), unknown];
            let response = assert_same_as_unknown(&world, Some(viewer), NODE, pair).await;
            assert_eq!(response, null_at("node"), "{}: {kind}", viewer.email);
        }
    }
    let own = world.query(owner, NODES, json!({ "ids": alpha })).await;
    let answered = own["data"]["nodes"].as_array().expect("nodes").iter();
    let answered: Vec<&Value> = answered.map(|node| &node["id"]).collect();
    assert_eq!(json!(answered), json!(alpha), "alpha's owner reads all");
    for viewer in strangers(&world) {
        // Beta's objects in the same batch resolve as usual; alpha's are nothing.
        let foreign = json!({ "ids": ([beta.clone(), alpha.clone()].concat()) });
        let never_issued = json!({ "ids": ([beta.clone(), unknown.clone()].concat()) });
        let pair = [foreign, never_issued];
        let response = assert_same_as_unknown(&world, Some(viewer), NODES, pair).await;
        let nodes = response["data"]["nodes"].as_array().expect("nodes");
        let (of_beta, of_alpha) = nodes.split_at(beta.len());
        let beta_found = of_beta[0]["id"] == beta[0].as_str();
        let seen = (beta_found, of_alpha.iter().all(Value::is_null));
        let in_beta = viewer.id != world.outsider.id;
        assert_eq!(seen, (in_beta, true), "{}: {response}", viewer.email);
    }
}

#[tokio::test]
async fn root_fields_show_an_org_only_to_its_members_and_platform_admins() {
    let world = World::new().await;
    let by_slug = "query($slug: String!) { organization(slug: $slug) { id slug name } }";
    let (by_id, slug) = (org_variables(&world.alpha), json!({ "slug": "alpha" }));
    let owner = Some(world.alpha.person("owner"));
    let tree = world.query(owner, ORGANIZATION_TREE, by_id.clone()).await;
    let members = &tree["data"]["organization"]["members"]["totalCount"];
    assert_eq!(members, 5, "alpha's owner: {tree}");
    let found = world.query(owner, by_slug, slug.clone()).await;
    assert_eq!(found["data"]["organization"]["id"], by_id["id"]);
    let list = "{ organizations { totalCount edges { cursor node { slug } } } }";
    let listed = |response: &Value| {
        let organizations = &response["data"]["organizations"];
        let slugs = along(organizations, "/slug");
        json!({ "slugs": slugs, "totalCount": organizations["totalCount"] })
    };
    for viewer in strangers(&world).into_iter().map(Some) {
        let unknown = id_variables(&global_id("Organization", Uuid::now_v7()));
        let pair = [by_id.clone(), unknown];
        let response = assert_same_as_unknown(&world, viewer, ORGANIZATION_TREE, pair).await;
        assert_eq!(response, null_at("organization"));
        let pair = [slug.clone(), json!({ "slug": "never-existed" })];
        let response = assert_same_as_unknown(&world, viewer, by_slug, pair).await;
        assert_eq!(response, null_at("organization"));
        let response = world.query(viewer, list, json!({})).await;
        let outsider = viewer.is_some_and(|viewer| viewer.id == world.outsider.id);
        let own: &[&str] = if outsider { &[] } else { &["beta"] };
        let expected = json!({ "slugs": own, "totalCount": own.len() });
        assert_eq!(listed(&response), expected, "{response}");
        assert_no_trace(&response, &alpha_keys(&world));
    }
    let admin = Some(&world.platform_admin);
    let admin = world.query(admin, list, json!({})).await;
    let expected = json!({ "slugs": ["alpha", "beta"], "totalCount": 2 });
    assert_eq!(listed(&admin), expected, "the platform admin sees all");
}

#[tokio::test]
async fn nested_connections_of_the_own_org_hold_nothing_of_the_other() {
    let world = World::new().await;
    let (db, beta) = (&world.app.db, &world.beta);
    // An assessment and an audit entry of beta by someone since gone from beta, now in alpha.
    let (gone, left_behind) = (world.alpha.person("member"), Uuid::now_v7());
    let assessment = rows::assessment(left_behind, beta.id, gone.id);
    assessment.insert(db).await.expect("assessment");
    let entry = rows::audit_entry().set("organization_id", beta.id);
    let entry = entry.set("organization_sequence", 2_i64);
    let entry = entry.set("actor_user_id", gone.id);
    entry.insert(db).await.expect("audit entry");
    let owner = global_id("User", beta.person("owner").id);
    let expected = json!({
        "members": 5,
        "assessments": [
            global_id("Assessment", beta.assessment),
            global_id("Assessment", left_behind),
        ],
        "respondents": [{ "id": owner }, null],
        "twin": global_id("DigitalTwin", beta.twin),
        "snapshots": [global_id("DigitalTwinSnapshot", beta.snapshot)],
    });
    let log = json!({ "totalCount": 2, "actors": [{ "id": owner }, null] });
    let alpha_entry = global_id("AuditEntry", &world.alpha.audit_entry);
    let variables = org_variables(beta);
    for role in ROLES {
        let viewer = Some(beta.person(role));
        let response = world.query(viewer, LISTS, variables.clone()).await;
        let organization = &response["data"]["organization"];
        let (assessments, log_edges) = (&organization["assessments"], &organization["auditLog"]);
        let seen = json!({
            "members": organization["members"]["totalCount"],
            "assessments": along(assessments, "/id"),
            "respondents": along(assessments, "/respondent"),
            "twin": organization["digitalTwin"]["id"],
            "snapshots": along(&organization["digitalTwin"]["snapshots"], "/id"),
        });
        assert_eq!(seen, expected, "beta's {role}: {response}");
        let actors = along(log_edges, "/actor");
        let seen_log = json!({ "totalCount": log_edges["totalCount"], "actors": actors });
        let seen_log = (!log_edges.is_null()).then_some(seen_log);
        let reads_log = ["owner", "admin"].contains(&role);
        assert_eq!(seen_log, reads_log.then(|| log.clone()), "beta's {role}");
        let codes = if reads_log { vec![] } else { vec!["FORBIDDEN"] };
        assert_eq!(error_codes(&response), codes, "beta's {role}: {response}");
        assert!(!response.to_string().contains(&alpha_entry), "{response}");
        assert_no_trace(&response, &[alpha_keys(&world), vec![gone.id]].concat());
    }
}

#[tokio::test]
async fn a_person_in_both_orgs_shows_each_org_only_its_own_rows() {
    let world = World::new().await;
    let (shared, rows) = shared_member(&world).await;
    let person = id_variables(&global_id("User", shared.id));
    let slugs = |list: &Value| along(list, "/organization/slug");
    let orgs = [&world.alpha, &world.beta];
    for (index, org) in orgs.into_iter().enumerate() {
        let ((membership, assessment), other) = (rows[index], rows[1 - index]);
        for role in ROLES {
            let viewer = Some(org.person(role));
            let response = world.query(viewer, PERSON, person.clone()).await;
            let (user, viewer) = (&response["data"]["node"], &response["data"]["viewer"]);
            let list = |list: &Value| json!([along(list, "/id"), list["totalCount"], slugs(list)]);
            let seen = json!({
                "memberships": list(&user["memberships"]),
                "assessments": list(&user["assessments"]),
                "consents": user["consents"],
                "viewer": [viewer["memberships"]["totalCount"], slugs(&viewer["memberships"])],
            });
            // Consents are the person's, not an organisation's: owners and admins read them.
            let consents = json!({ "totalCount": 1 });
            let consents = ["owner", "admin"].contains(&role).then_some(consents);
            let expected = json!({
                "memberships": [[global_id("Membership", membership)], 1, [org.slug]],
                "assessments": [[global_id("Assessment", assessment)], 1, [org.slug]],
                "consents": consents,
                "viewer": [1, [org.slug]],
            });
            assert_eq!(seen, expected, "{role} of {}: {response}", org.slug);
            assert_no_trace(&response, &[other.0, other.1, orgs[1 - index].id]);
        }
    }
    let admin = Some(&world.platform_admin);
    let by_admin = world.query(admin, PERSON, person.clone()).await;
    let user = &by_admin["data"]["node"];
    let lists = [&user["memberships"], &user["assessments"]].map(slugs);
    assert_eq!(lists, [["alpha", "beta"], ["beta", "alpha"]], "{by_admin}");
    let by_themselves = world.query(Some(&shared), PERSON, person.clone()).await;
    let own = slugs(&by_themselves["data"]["viewer"]["memberships"]);
    assert_eq!(own, ["alpha", "beta"], "the person's own memberships");
    let by_outsider = world.query(Some(&world.outsider), PERSON, person).await;
    let none = json!({ "totalCount": 0, "edges": [] });
    let nothing = json!({ "node": null, "viewer": { "memberships": none } });
    assert_eq!(by_outsider, json!({ "data": nothing }), "the outsider");
}

#[tokio::test]
async fn filters_naming_another_orgs_ids_match_nothing_like_ids_never_issued() {
    let world = World::new().await;
    let shared = global_id("User", shared_member(&world).await.0.id);
    let variables = |org: &Org, user: Uuid, by_org: Uuid| {
        json!({
            "org": global_id("Organization", org.id),
            "shared": shared,
            "user": global_id("User", user),
            "byOrg": global_id("Organization", by_org),
        })
    };
    let totals = |response: &Value| {
        let (data, organization) = (&response["data"], &response["data"]["organization"]);
        let lists = ["byRespondent", "byOrganization", "auditLog"].map(|list| &organization[list]);
        let users = [&data["node"], &data["viewer"]].map(|user| &user["assessments"]);
        let lists = lists.into_iter().chain(users);
        let totals: Vec<Value> = lists.map(|list| list["totalCount"].clone()).collect();
        totals
    };
    let (alpha, owner) = (&world.alpha, world.alpha.person("owner"));
    let own = variables(alpha, owner.id, alpha.id);
    let own = world.query(Some(owner), FILTERS, own).await;
    // Alpha's owner finds alpha's rows: the owner's assessment, and the shared member's too.
    assert_eq!(totals(&own), [1, 2, 1, 1, 1], "alpha's owner: {own}");
    for viewer in strangers(&world) {
        let foreign = variables(&world.beta, owner.id, alpha.id);
        let unknown = variables(&world.beta, Uuid::now_v7(), Uuid::now_v7());
        let pair = [foreign, unknown];
        let response = assert_same_as_unknown(&world, Some(viewer), FILTERS, pair).await;
        let mut totals = totals(&response).into_iter();
        let nothing = totals.all(|total| total.is_null() || total == 0);
        let codes = error_codes(&response);
        let forbidden = codes.iter().all(|code| code == "FORBIDDEN");
        assert!(nothing && forbidden, "{}: {response}", viewer.email);
        assert_no_trace(&response, &alpha_keys(&world));
    }
}

#[tokio::test]
async fn a_cursor_from_another_org_is_only_a_position_in_the_own_list() {
    let world = World::new().await;
    let owner = Some(world.alpha.person("owner"));
    let alpha = world.query(owner, LISTS, org_variables(&world.alpha)).await;
    let organization = &alpha["data"]["organization"];
    let first = |list: &Value| list["edges"][0]["cursor"].clone();
    let from_start = org_variables(&world.beta);
    let alpha_cursors = json!({
        "id": from_start["id"],
        "members": first(&organization["members"]),
        "assessments": first(&organization["assessments"]),
        "snapshots": first(&organization["digitalTwin"]["snapshots"]),
        "log": first(&organization["auditLog"]),
    });
    let cursors = alpha_cursors.as_object().expect("variables");
    assert!(cursors.values().all(Value::is_string), "{alpha}");
    // An audit cursor is a place in an organisation's own log, the same text in every log.
    let beta_owner = Some(world.beta.person("owner"));
    let beta = world.query(beta_owner, LISTS, from_start.clone()).await;
    let beta_first_entry = first(&beta["data"]["organization"]["auditLog"]);
    assert_eq!(beta_first_entry, alpha_cursors["log"], "{alpha} {beta}");
    let mut beta_positions = from_start.clone();
    beta_positions["log"] = beta_first_entry;
    for role in ROLES {
        let viewer = Some(world.beta.person(role));
        // Beta was written after alpha, so alpha's first row is a position before all of beta.
        let response = world.query(viewer, LISTS, alpha_cursors.clone()).await;
        let start = world.query(viewer, LISTS, beta_positions.clone()).await;
        assert_eq!(response, start, "beta's {role}: reads beta from its start");
        let members = along(&response["data"]["organization"]["members"], "/id");
        assert_eq!(members.len(), 5, "beta's {role}: {response}");
        assert_no_trace(&response, &alpha_keys(&world));
    }
}

#[tokio::test]
async fn anonymous_requests_reach_no_tenant_field_but_read_reference_data() {
    let world = World::new().await;
    let alpha = org_variables(&world.alpha);
    let by_id = "query($id: ID!) { organization(id: $id) { id } }";
    let tenant_fields = [
        ("{ viewer { id } }", json!({})),
        (by_id, alpha.clone()),
        ("{ organization(slug: \"alpha\") { id } }", json!({})),
        ("{ organizations { totalCount } }", json!({})),
        (NODES, json!({ "ids": [alpha["id"]] })),
    ];
    for (query, variables) in tenant_fields {
        let response = world.query(None, query, variables).await;
        let codes = error_codes(&response);
        assert_eq!(codes, ["UNAUTHENTICATED"], "{query}: {response}");
    }
    for (kind, key) in objects(&world.alpha) {
        let foreign = id_variables(&global_id(kind, key));
        let unknown = id_variables(&global_id(kind, unknown_key(kind)));
        let response = assert_same_as_unknown(&world, None, NODE, [foreign, unknown]).await;
        let codes = error_codes(&response);
        assert_eq!(codes, ["UNAUTHENTICATED"], "{kind}: {response}");
    }
    let query = r#"query($level: ID!, $type: ID!) { maturityLevels { level } consentTypes { id }
        assessmentModels { version } level: node(id: $level) { id } type: node(id: $type) { id } }"#;
    let level = global_id("MaturityLevel", 3);
    let consent_type = global_id("ConsentType", world.consent_type);
    let variables = json!({ "level": level, "type": consent_type });
    let reference = world.query(None, query, variables).await;
    let data = &reference["data"];
    let types = data["consentTypes"].as_array().expect("consent types");
    let seen = json!({
        "levels": data["maturityLevels"].as_array().map(Vec::len),
        "models": data["assessmentModels"].as_array().map(Vec::len),
        "listed": types.contains(&json!({ "id": consent_type })),
        "nodes": [data["level"]["id"], data["type"]["id"]],
        "errors": reference.get("errors"),
    });
    let expected = json!({
        "levels": 10, "models": 11, "listed": true, "nodes": [level, consent_type], "errors": null
    });
    assert_eq!(seen, expected, "{reference}");
}

#[tokio::test]
async fn only_owners_and_admins_of_the_org_read_its_audit_log() {
    let world = World::new().await;
    let entry = id_variables(&global_id("AuditEntry", &world.alpha.audit_entry));
    let unknown = id_variables(&global_id("AuditEntry", unknown_key("AuditEntry")));
    let variables = org_variables(&world.alpha);
    for role in ROLES {
        let viewer = Some(world.alpha.person(role));
        let response = world.query(viewer, LISTS, variables.clone()).await;
        let organization = &response["data"]["organization"];
        let members = &organization["members"]["totalCount"];
        let log = &organization["auditLog"];
        let log = log.is_object().then(|| along(log, "/id"));
        let errors = error_codes(&response);
        let seen = json!({ "members": members, "log": log, "errors": errors });
        let by_node = world.query(viewer, NODE, entry.clone()).await;
        if ["owner", "admin"].contains(&role) {
            let expected = json!({ "members": 5, "log": [entry["id"]], "errors": [] });
            assert_eq!(seen, expected, "alpha's {role}: {response}");
            assert_eq!(by_node["data"]["node"]["id"], entry["id"], "{by_node}");
        } else {
            let expected = json!({ "members": 5, "log": null, "errors": ["FORBIDDEN"] });
            assert_eq!(seen, expected, "alpha's {role}: {response}");
            // By ID, the entry is simply not there: no error, as for an entry never written.
            let pair = [entry.clone(), unknown.clone()];
            let by_node = assert_same_as_unknown(&world, viewer, NODE, pair).await;
            assert_eq!(by_node, null_at("node"), "alpha's {role}");
        }
    }
}

/// The scope a request of `viewer` reads with: their memberships as the database has them.
pub(crate) async fn scope_of(world: &World, viewer: Uuid) -> Scope {
    let db = &world.app.db;
    let access = orgraph::auth::viewer::load(db, viewer)
        .await
        .expect("the viewer's read")
        .map_or(Access::Nobody, |viewer| viewer.access());
    Scope::new(db.get_database_backend(), access)
}

/// The ids of the rows of `R` that `scope` admits, sorted.
async fn admitted<R: Read>(world: &World, scope: &Scope, id: impl Fn(&R) -> String) -> Vec<String> {
    let reader = Reader::new(world.app.db.clone(), scope.clone());
    let joins = R::Joins::default();
    let mut ids: Vec<String> = reader
        .all::<R>(read::<R>(scope, joins), joins)
        .await
        .expect("a scoped read")
        .iter()
        .map(id)
        .collect();
    ids.sort();
    ids
}

/// What `scope` admits of organisations (their slugs), assessments, memberships and the audit
/// log (the slugs of the organisations they belong to), by kind.
async fn admitted_everywhere(world: &World, scope: &Scope) -> Value {
    let slug = |id: Option<Uuid>| {
        [&world.alpha, &world.beta]
            .into_iter()
            .find(|org| Some(org.id) == id)
            .map_or_else(|| "other".to_owned(), |org| org.slug.clone())
    };
    let mut kinds = json!({
        "organizations": admitted::<Organization>(world, scope, |row| row.row.slug.clone()).await,
        "assessments": admitted::<Assessment>(world, scope, |row| slug(Some(row.row.organization_id))).await,
        "members": admitted::<Membership>(world, scope, |row| slug(Some(row.row.organization_id))).await,
        "audit": admitted::<AuditEntry>(world, scope, |row| slug(row.organization_id)).await,
    });
    for kind in ["assessments", "members", "audit"] {
        let mut slugs: Vec<Value> = kinds[kind].as_array().cloned().unwrap_or_default();
        slugs.dedup();
        kinds[kind] = Value::Array(slugs);
    }
    kinds
}

/// The scope a request reads with admits exactly the organisations the viewer may read, and
/// their rows only, for every kind of viewer: members in every role, a suspended membership,
/// suspended and deleted users, an active and a suspended platform admin, and the member of a
/// deleted organisation.
#[tokio::test]
async fn the_scope_admits_the_rows_of_the_viewers_organisations_only() {
    let world = World::new().await;
    let db = &world.app.db;
    let deleted_org = Uuid::now_v7();
    rows::organization(deleted_org, "gone")
        .set("deleted_at", chrono::Utc::now())
        .insert(db)
        .await
        .unwrap();
    let mut viewers: Vec<(&str, Uuid)> = ROLES
        .iter()
        .map(|role| (*role, world.alpha.person(role).id))
        .collect();
    viewers.extend([
        ("beta owner", world.beta.person("owner").id),
        ("outsider", world.outsider.id),
        ("platform admin", world.platform_admin.id),
    ]);
    let person = |platform_role: &str| {
        let id = Uuid::now_v7();
        let row = rows::user(id, &format!("{id}@example.com"));
        (id, row.set("platform_role", platform_role.to_owned()))
    };
    let suspended = |(id, row): (Uuid, Row)| (id, row.set("status", "suspended".to_owned()));
    let deleted = |(id, row): (Uuid, Row)| (id, row.set("deleted_at", chrono::Utc::now()));
    let alpha = world.alpha.id;
    for (case, (id, user), organization, membership) in [
        ("suspended membership", person("user"), alpha, "suspended"),
        ("suspended user", suspended(person("user")), alpha, "active"),
        ("deleted user", deleted(person("user")), alpha, "active"),
        (
            "suspended platform admin",
            suspended(person("platform_admin")),
            alpha,
            "active",
        ),
        (
            "member of a deleted organisation",
            person("user"),
            deleted_org,
            "active",
        ),
    ] {
        user.insert(db).await.unwrap();
        rows::member(organization, id)
            .set("status", membership.to_owned())
            .insert(db)
            .await
            .unwrap();
        viewers.push((case, id));
    }

    for (case, viewer) in viewers {
        let set = admitted_everywhere(&world, &scope_of(&world, viewer).await).await;
        let organizations = &set["organizations"];
        let expected: &[&str] = match case {
            "platform admin" => &["alpha", "beta"],
            "beta owner" => &["beta"],
            "owner" | "admin" | "analyst" | "member" | "viewer" => &["alpha"],
            _ => &[],
        };
        assert_eq!(organizations, &json!(expected), "{case}");
        assert_eq!(set["assessments"], json!(expected), "{case}: {set}");
        assert_eq!(set["members"], json!(expected), "{case}: {set}");
        let administers = ["owner", "admin", "beta owner", "platform admin"].contains(&case);
        let audit: &[&str] = if administers { expected } else { &[] };
        assert_eq!(set["audit"], json!(audit), "{case}: {set}");
    }
}

/// A twin's history and trend, and an organisation's analytics over time.
const OVER_TIME: &str = r#"
query OverTime($twin: ID!, $org: ID!) {
  node(id: $twin) { ... on DigitalTwin {
    history(from: "2000-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { capturedAt maturityScore }
    improvementRate trend } }
  organization(id: $org) { analytics { lastActivityAt monthlySummary { month completedCount }
    highPerformers { averageScore respondent { id } } lowPerformers { averageScore } } }
}"#;

/// Alpha's twin with a second snapshot, and a high performer: alpha's member at 4.50.
async fn alpha_over_time(world: &World) {
    let (db, alpha) = (&world.app.db, &world.alpha);
    let earlier = chrono::Utc::now() - chrono::Duration::days(40);
    let snapshot = rows::snapshot(alpha.twin, alpha.id).set("captured_at", earlier);
    snapshot.insert(db).await.expect("snapshot");
    let assessment = Uuid::now_v7();
    rows::assessment(assessment, alpha.id, alpha.person("member").id)
        .set("status", "completed")
        .set("completed_at", chrono::Utc::now())
        .insert(db)
        .await
        .expect("assessment");
    let score = rows::score(assessment, alpha.id).set("overall_score", Decimal::new(450, 2));
    score.insert(db).await.expect("score");
}

#[tokio::test]
async fn strangers_reach_no_twin_history_trend_or_analytics_of_another_org() {
    let world = World::new().await;
    alpha_over_time(&world).await;
    let foreign = json!({
        "twin": global_id("DigitalTwin", world.alpha.twin),
        "org": global_id("Organization", world.alpha.id),
    });
    let own = world
        .query(
            Some(world.alpha.person("viewer")),
            OVER_TIME,
            foreign.clone(),
        )
        .await;
    assert!(own.get("errors").is_none(), "{own}");
    let history = own["data"]["node"]["history"].as_array().expect("history");
    assert_eq!(history.len(), 2, "alpha's viewer: {own}");
    let high = &own["data"]["organization"]["analytics"]["highPerformers"];
    assert_eq!(high[0]["averageScore"], 4.5, "alpha's viewer: {own}");
    let unknown = json!({
        "twin": global_id("DigitalTwin", Uuid::now_v7()),
        "org": global_id("Organization", Uuid::now_v7()),
    });
    for viewer in strangers(&world) {
        let pair = [foreign.clone(), unknown.clone()];
        let response = assert_same_as_unknown(&world, Some(viewer), OVER_TIME, pair).await;
        let nothing = json!({ "data": { "node": null, "organization": null } });
        assert_eq!(response, nothing, "{}", viewer.email);
    }
}

/// Under the guards, the reads themselves: a stranger's scope reads none of alpha's
/// snapshots, months or performers even when asked for them by key.
#[tokio::test]
async fn the_scope_reads_no_snapshots_or_analytics_of_another_org() {
    let world = World::new().await;
    alpha_over_time(&world).await;
    let alpha = &world.alpha;
    let snapshots = SnapshotsWithin {
        twin: alpha.twin,
        window: Window::LastMonths(60),
    };
    let since = "2000-01-01T00:00:00Z".parse().unwrap();
    let months = MonthlyOf {
        organization: alpha.id,
        since,
    };
    let performers = PerformersOf {
        organization: alpha.id,
        performance: Performance::High,
        first: 100,
    };
    for (viewer, reads) in [
        (alpha.person("viewer").id, true),
        (world.beta.person("owner").id, false),
        (world.outsider.id, false),
    ] {
        let reader = Reader::new(world.app.db.clone(), scope_of(&world, viewer).await);
        let found = |count: usize| (count > 0) == reads;
        let read = reader.load(&[snapshots]).await.expect("snapshots");
        assert!(found(read[&snapshots].len()), "{viewer}: {read:?}");
        let read = reader.load(&[months]).await.expect("months");
        assert!(found(read[&months].len()), "{viewer}: {read:?}");
        let read = reader.load(&[performers]).await.expect("performers");
        assert!(found(read[&performers].len()), "{viewer}: {read:?}");
    }
}
