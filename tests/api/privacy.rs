//! Personal data: every column is registered or declared not personal, and an erasure leaves
//! none of a person's values anywhere while their scores and twins keep their figures. Data
//! requests are seen only by their subject, who made them, platform admins and (without
//! content) the admins of the subject's organisations; to anyone else they do not exist.

use std::collections::BTreeMap;

use chrono::Utc;
use entity::{assessment_scores, data_deletions, digital_twin_snapshots, gdpr_requests};
use orgraph::audit::{self, Verification};
use orgraph::privacy::registry::{NOT_PERSONAL, PII_FIELDS};
use orgraph::privacy::requests::Worker;
use orgraph::privacy::tables::{self, ColumnKind, TableInfo};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::TEST_JWT_SECRET;
use crate::rows;
use crate::world::{Person, World, error_codes, global_id};

const ERASE: &str = r#"mutation($input: RequestErasureInput!) {
  requestErasure(input: $input) { request { id type dryRun status result error } } }"#;
const CANCEL: &str = r#"mutation($input: DataRequestInput!) {
  cancelDataRequest(input: $input) { request { id status } } }"#;
const NODE: &str = r#"query($id: ID!) { node(id: $id) { __typename id
  ... on DataRequest { type status result } } }"#;
const ORGANIZATION_REQUESTS: &str = r#"query($id: ID!) { organization(id: $id) {
  dataRequests { id type status result } } }"#;
const PROFILE: &str = r#"mutation($input: UpdateMyProfileInput!) {
  updateMyProfile(input: $input) { user { id } } }"#;
const GRANT: &str = r#"mutation($input: ConsentInput!) {
  grantConsent(input: $input) { consent { id } } }"#;
const INVITE: &str = r#"mutation($input: InviteMemberInput!) {
  inviteMember(input: $input) { invitation { id } } }"#;

/// What the rich person is known by; no other row of the world holds any of it.
const EMAIL: &str = "zebedee.quarrington@example.org";
const FIRST: &str = "Zebedee";
const LAST: &str = "Quarrington";
const PHONE: &str = "+44 20 7946 0958";
const LINKEDIN: &str = "https://linkedin.example/in/zq-4471";

fn succeeded(response: &Value) -> &Value {
    assert!(response.get("errors").is_none(), "{response}");
    response["data"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
}

/// A person in alpha and beta with assessments whose free text names them, consents, audited
/// changes, events and an invitation; alpha's owner wrote an answer that names them too.
async fn rich_person(world: &World) -> Person {
    let db = &world.app.db;
    let id = Uuid::now_v7();
    rows::user(id, EMAIL)
        .set("first_name", FIRST)
        .set("last_name", LAST)
        .set("phone", PHONE)
        .set("linkedin_url", LINKEDIN)
        .insert(db)
        .await
        .unwrap();
    let person = Person {
        id,
        email: EMAIL.to_owned(),
    };
    // Invited before joining: an invitation to a member is refused.
    let invite = json!({ "input": {
        "organizationId": global_id("Organization", world.alpha.id),
        "email": EMAIL, "role": "ANALYST",
        "message": format!("Welcome back, {FIRST} {LAST}!") } });
    succeeded(
        &world
            .query(Some(world.alpha.person("admin")), INVITE, invite)
            .await,
    );
    for org in [&world.alpha, &world.beta] {
        rows::member(org.id, id)
            .set("department", "Quarrington Lab")
            .insert(db)
            .await
            .unwrap();
        let answers = json!({ "comments": format!(
            "I am {FIRST} {LAST}; write to {EMAIL} or call {PHONE}. See {LINKEDIN}") });
        rows::assessment(Uuid::now_v7(), org.id, id)
            .set("responses", answers)
            .insert(db)
            .await
            .unwrap();
    }
    let colleague = json!({ "comments": format!("Ask {FIRST} {LAST} about the pilot.") });
    rows::assessment(
        Uuid::now_v7(),
        world.alpha.id,
        world.alpha.person("owner").id,
    )
    .set("responses", colleague)
    .insert(db)
    .await
    .unwrap();
    let consent = json!({ "input": {
        "consentTypeId": global_id("ConsentType", world.consent_type),
        "source": format!("form filled by {EMAIL}") } });
    succeeded(&world.query(Some(&person), GRANT, consent).await);
    let profile =
        json!({ "input": { "title": "Chief Quarrington Officer", "timezone": "Europe/London" } });
    succeeded(&world.query(Some(&person), PROFILE, profile).await);
    person
}

/// Every text and JSON value of every table, as text, by `table.column`.
async fn every_value(db: &DatabaseConnection) -> BTreeMap<String, Vec<String>> {
    let mut values = BTreeMap::new();
    for table in tables::all() {
        let columns: Vec<_> = table
            .columns
            .iter()
            .filter(|column| matches!(column.kind, ColumnKind::Text | ColumnKind::Json))
            .collect();
        let mut select = Query::select();
        select
            .from(Alias::new(table.name))
            .columns(columns.iter().map(|column| Alias::new(column.name)));
        for row in db.query_all(&select).await.unwrap() {
            for (index, column) in columns.iter().enumerate() {
                let text = if column.kind == ColumnKind::Json {
                    row.try_get_by_index::<Option<Value>>(index)
                        .unwrap()
                        .map(|value| value.to_string())
                } else {
                    row.try_get_by_index::<Option<String>>(index).unwrap()
                };
                values
                    .entry(format!("{}.{}", table.name, column.name))
                    .or_insert_with(Vec::new)
                    .extend(text);
            }
        }
    }
    values
}

/// The locations whose values mention any of the rich person's identifiers.
fn mentions(values: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let needles = [EMAIL, FIRST, LAST, PHONE, LINKEDIN, "7946 0958"].map(str::to_lowercase);
    values
        .iter()
        .filter(|(_, texts)| {
            texts.iter().any(|text| {
                let text = text.to_lowercase();
                needles.iter().any(|needle| text.contains(needle.as_str()))
            })
        })
        .map(|(location, _)| location.clone())
        .collect()
}

async fn run_requests(world: &World) -> u64 {
    Worker::new(TEST_JWT_SECRET.as_bytes())
        .run_pending(&world.app.db, Utc::now())
        .await
        .unwrap()
}

async fn figures(
    db: &DatabaseConnection,
) -> (
    Vec<assessment_scores::Model>,
    Vec<digital_twin_snapshots::Model>,
) {
    (
        assessment_scores::Entity::find()
            .order_by_asc(assessment_scores::Column::Id)
            .all(db)
            .await
            .unwrap(),
        digital_twin_snapshots::Entity::find()
            .order_by_asc(digital_twin_snapshots::Column::Id)
            .all(db)
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn every_text_and_json_column_is_registered_or_declared_not_personal() {
    let world = World::new().await;
    let stored = stored_tables(&world.app.db).await;
    let known: Vec<&str> = tables::all().iter().map(|table| table.name).collect();
    for table in &stored {
        assert!(
            known.contains(&table.as_str()),
            "table `{table}` has no entry in privacy::tables::all()"
        );
    }
    let mut undecided = Vec::new();
    for table in tables::all() {
        for column in &table.columns {
            if !matches!(column.kind, ColumnKind::Text | ColumnKind::Json) {
                continue;
            }
            let registered = PII_FIELDS
                .iter()
                .any(|field| field.table == table.name && field.column == column.name);
            let declared = NOT_PERSONAL
                .iter()
                .any(|(t, c, _)| *t == table.name && *c == column.name);
            assert!(
                !(registered && declared),
                "{}.{} is both",
                table.name,
                column.name
            );
            if !registered && !declared {
                undecided.push(format!("{}.{}", table.name, column.name));
            }
        }
    }
    assert!(
        undecided.is_empty(),
        "neither registered nor declared not personal: {undecided:?}"
    );
}

/// The application's tables as the database lists them.
async fn stored_tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = if crate::helpers::on_postgres() {
        "SELECT table_name AS name FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    };
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .filter(|name| !name.starts_with("seaql_") && name != "organization_sequence")
        .collect()
}

#[tokio::test]
async fn erasure_leaves_none_of_the_persons_values_anywhere_and_keeps_the_figures() {
    let world = World::new().await;
    let db = &world.app.db;
    let person = rich_person(&world).await;
    let before = every_value(db).await;
    assert!(
        mentions(&before).len() >= 6,
        "the fixture names the person: {:?}",
        mentions(&before)
    );
    let figures_before = figures(db).await;

    // A dry run counts and changes nothing.
    let dry = world
        .query(Some(&person), ERASE, json!({ "input": { "dryRun": true } }))
        .await;
    let dry = succeeded(&dry)["request"].clone();
    assert_eq!(
        (dry["status"].as_str(), dry["dryRun"].as_bool()),
        (Some("PENDING"), Some(true))
    );
    let asked = every_value(db).await;
    assert_eq!(run_requests(&world).await, 1);
    assert!(
        without_requests(every_value(db).await) == without_requests(asked),
        "a dry run wrote"
    );
    let report = world
        .query(Some(&person), NODE, json!({ "id": dry["id"] }))
        .await;
    let result = &report["data"]["node"]["result"];
    assert_eq!(report["data"]["node"]["status"], "COMPLETED", "{report}");
    let would = |table: &str, column: &str| {
        result["locations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["table"] == table && l["column"] == column)
            .map(|l| l["rows"].as_u64().unwrap())
    };
    assert_eq!(would("users", "email"), Some(1), "{result}");
    assert_eq!(
        would("assessments", "responses"),
        Some(3),
        "two of theirs and a colleague's: {result}"
    );

    // The erasure itself.
    let erase = world
        .query(Some(&person), ERASE, json!({ "input": {} }))
        .await;
    let request = succeeded(&erase)["request"]["id"].clone();
    assert_eq!(run_requests(&world).await, 1);
    let after = every_value(db).await;
    assert_eq!(mentions(&after), Vec::<String>::new(), "values left");
    assert_eq!(
        figures(db).await,
        figures_before,
        "scores and twin history changed"
    );
    let row = gdpr_requests::Entity::find_by_id(Uuid::parse_str(&decode(&request)).unwrap())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status.as_str(), "completed", "{:?}", row.error);
    let proof = data_deletions::Entity::find()
        .filter(data_deletions::Column::RequestId.eq(row.id))
        .all(db)
        .await
        .unwrap();
    assert!(
        proof
            .iter()
            .any(|p| p.table_name == "users" && p.column_name == "email" && p.rows_changed == 1)
    );
    assert!(proof.iter().all(|p| p.values_remaining == 0));
    assert!(matches!(
        audit::verify(db).await.unwrap(),
        Verification::Intact { .. }
    ));

    // Their token is refused from now on.
    let refused = world
        .query(Some(&person), "{ viewer { id } }", json!({}))
        .await;
    assert_eq!(error_codes(&refused), ["UNAUTHENTICATED"], "{refused}");

    // A second erasure, asked by a platform admin on their behalf, changes nothing.
    let again = json!({ "input": { "subjectId": global_id("User", person.id) } });
    succeeded(&world.query(Some(&world.platform_admin), ERASE, again).await);
    assert_eq!(run_requests(&world).await, 1);
    let second = every_value(db).await;
    assert_eq!(
        without_requests(second),
        without_requests(after),
        "a second erasure changed data"
    );
}

/// Every value but those of the tables a request itself writes (its row, its audit row and
/// event, its proof).
fn without_requests(values: BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    let written = ["gdpr_requests.", "audit_log.", "events.", "data_deletions."];
    values
        .into_iter()
        .filter(|(location, _)| !written.iter().any(|table| location.starts_with(table)))
        .collect()
}

/// `person`'s answer to `node(id:)`.
async fn answer(world: &World, person: &Person, id: &Value) -> Value {
    world.query(Some(person), NODE, json!({ "id": id })).await
}

/// The key inside a global ID.
fn decode(id: &Value) -> String {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.as_str().unwrap())
        .unwrap();
    String::from_utf8(raw)
        .unwrap()
        .split_once(':')
        .unwrap()
        .1
        .to_owned()
}

#[tokio::test]
async fn a_request_is_seen_by_its_subject_and_admins_and_by_no_one_else() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let asked = world
        .query(Some(member), ERASE, json!({ "input": { "dryRun": true } }))
        .await;
    let id = succeeded(&asked)["request"]["id"].clone();
    // Asking again while it is open returns the same request.
    let again = world
        .query(Some(member), ERASE, json!({ "input": { "dryRun": true } }))
        .await;
    assert_eq!(succeeded(&again)["request"]["id"], id);

    let unknown = global_id("DataRequest", Uuid::now_v7());
    let nobody = answer(&world, world.alpha.person("viewer"), &json!(unknown)).await;
    assert_eq!(nobody["data"]["node"], Value::Null);
    // Neither another member of the same organisation nor anyone outside sees it: the answer
    // is the one for an id never issued.
    for stranger in [
        world.alpha.person("viewer"),
        world.alpha.person("analyst"),
        world.beta.person("owner"),
        &world.outsider,
    ] {
        let seen = answer(&world, stranger, &id).await;
        assert_eq!(seen, nobody, "seen by {}", stranger.email);
        let cancel = world
            .query(
                Some(stranger),
                CANCEL,
                json!({ "input": { "requestId": id } }),
            )
            .await;
        assert_eq!(error_codes(&cancel), ["NOT_FOUND"], "{cancel}");
        let cancel_unknown = world
            .query(
                Some(stranger),
                CANCEL,
                json!({ "input": { "requestId": unknown } }),
            )
            .await;
        assert_eq!(cancel, cancel_unknown);
        // Asking on someone else's behalf is for platform admins only.
        let other = json!({ "input": { "subjectId": global_id("User", member.id) } });
        let refused = world.query(Some(stranger), ERASE, other).await;
        assert_eq!(error_codes(&refused), ["NOT_FOUND"], "{refused}");
    }
    // The subject reads everything; alpha's admin sees it exists, not what it found.
    assert_eq!(answer(&world, member, &id).await["data"]["node"]["id"], id);
    let listed = world
        .query(
            Some(world.alpha.person("admin")),
            ORGANIZATION_REQUESTS,
            json!({ "id": global_id("Organization", world.alpha.id) }),
        )
        .await;
    let requests = listed["data"]["organization"]["dataRequests"]
        .as_array()
        .expect("a list")
        .clone();
    let theirs: Vec<&Value> = requests
        .iter()
        .filter(|request| request["id"] == id)
        .collect();
    assert_eq!(theirs.len(), 1, "{listed}");
    assert_eq!(
        theirs[0]["result"],
        Value::Null,
        "an admin reads no content"
    );
    let beta_admin = world
        .query(
            Some(world.beta.person("admin")),
            ORGANIZATION_REQUESTS,
            json!({ "id": global_id("Organization", world.beta.id) }),
        )
        .await;
    let beta_requests = beta_admin["data"]["organization"]["dataRequests"]
        .as_array()
        .expect("a list")
        .clone();
    assert!(
        !beta_requests.iter().any(|request| request["id"] == id),
        "{beta_admin}"
    );
    let plain = world
        .query(
            Some(world.alpha.person("analyst")),
            ORGANIZATION_REQUESTS,
            json!({ "id": global_id("Organization", world.alpha.id) }),
        )
        .await;
    assert_eq!(
        plain["data"]["organization"]["dataRequests"],
        Value::Null,
        "{plain}"
    );
    assert_eq!(error_codes(&plain), ["FORBIDDEN"]);

    // The subject cancels it while pending; a finished one cannot be canceled.
    let canceled = world
        .query(
            Some(member),
            CANCEL,
            json!({ "input": { "requestId": id } }),
        )
        .await;
    assert_eq!(succeeded(&canceled)["request"]["status"], "CANCELED");
    let twice = world
        .query(
            Some(member),
            CANCEL,
            json!({ "input": { "requestId": id } }),
        )
        .await;
    assert_eq!(error_codes(&twice), ["CONFLICT"], "{twice}");
    assert_eq!(run_requests(&world).await, 0, "a canceled request ran");
}

#[test]
fn every_entity_is_in_the_table_list_once() {
    let all = tables::all();
    let mut names: Vec<&str> = all.iter().map(|table: &TableInfo| table.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len());
    let users = all
        .iter()
        .find(|table| table.name == "assessments")
        .unwrap();
    assert_eq!(users.links_to_users, ["user_id"]);
}
