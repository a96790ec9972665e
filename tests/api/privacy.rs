//! Personal data: every column is registered or declared not personal, and an erasure leaves
//! none of a person's values anywhere while their scores and twins keep their figures. Data
//! requests are seen only by their subject, who made them, platform admins and (without
//! content) the admins of the subject's organisations; to anyone else they do not exist.

use std::collections::BTreeMap;

use chrono::Utc;
use entity::{
    assessment_scores, consent_types, data_deletions, digital_twin_snapshots, gdpr_requests,
};
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
use crate::world::{Person, World, bearer, error_codes, global_id};

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
        if columns.is_empty() {
            continue;
        }
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
    // A platform admin sees any request, also one about someone in no organisation.
    let loner = world
        .query(
            Some(&world.outsider),
            ERASE,
            json!({ "input": { "dryRun": true } }),
        )
        .await;
    let loner = succeeded(&loner)["request"]["id"].clone();
    let seen = answer(&world, &world.platform_admin, &loner).await;
    assert_eq!(seen["data"]["node"]["id"], loner, "{seen}");
    assert_eq!(
        answer(&world, world.alpha.person("owner"), &loner).await,
        nobody
    );
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
    assert_eq!(
        run_requests(&world).await,
        1,
        "only the outsider's request runs"
    );
    let still = answer(&world, member, &id).await;
    assert_eq!(
        still["data"]["node"]["status"], "CANCELED",
        "a canceled request ran: {still}"
    );
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

const EXPORT: &str = r#"mutation($input: RequestDataExportInput!) {
  requestDataExport(input: $input) { request { id type status } } }"#;

/// Asks for `person`'s export and runs it; returns the request's completed result.
async fn exported(world: &World, person: &Person) -> Value {
    let asked = world
        .query(Some(person), EXPORT, json!({ "input": {} }))
        .await;
    let id = succeeded(&asked)["request"]["id"].clone();
    assert_eq!(run_requests(world).await, 1);
    let done = answer(world, person, &id).await;
    assert_eq!(done["data"]["node"]["status"], "COMPLETED", "{done}");
    done["data"]["node"]["result"].clone()
}

/// `GET` of an export's link as `person`: the status, and the body.
async fn download(world: &World, person: &Person, link: &str) -> (u16, Vec<u8>) {
    let response = reqwest::Client::new()
        .get(world.app.url(link))
        .header("authorization", bearer(person))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn an_export_holds_every_table_that_references_people_and_downloads_once() {
    let world = World::new().await;
    let person = rich_person(&world).await;
    let result = exported(&world, &person).await;
    let link = result["download"].as_str().expect("a link").to_owned();

    // Nobody else downloads it, and trying does not use it up.
    let stranger = download(&world, world.alpha.person("owner"), &link).await;
    let unknown = download(&world, &person, &format!("/exports/{}", Uuid::now_v7())).await;
    assert_eq!((stranger.0, unknown.0), (404, 404));
    assert_eq!(stranger.1, unknown.1, "a stranger learns whether it exists");

    let (status, archive) = download(&world, &person, &link).await;
    assert_eq!(status, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).expect("a zip");
    let document: Value =
        serde_json::from_reader(zip.by_name("export.json").expect("the document")).unwrap();
    let exported = document["tables"].as_object().expect("tables");
    for table in tables::all() {
        let references = !table.links_to_users.is_empty()
            || ["users", "organization_invitations"].contains(&table.name);
        assert_eq!(
            exported.contains_key(table.name),
            references,
            "{}: in the export exactly when it references people",
            table.name
        );
        let rows = exported.get(table.name).and_then(Value::as_array);
        for field in PII_FIELDS.iter().filter(|field| field.table == table.name) {
            for row in rows.into_iter().flatten() {
                assert!(
                    row.get(field.column).is_some(),
                    "{field} missing from {row}"
                );
            }
        }
    }
    let user = &exported["users"][0];
    assert_eq!(
        (user["email"].as_str(), user["phone"].as_str()),
        (Some(EMAIL), Some(PHONE))
    );
    for table in [
        "assessments",
        "organization_members",
        "user_consents",
        "audit_log",
        "events",
    ] {
        assert!(
            !exported[table].as_array().unwrap().is_empty(),
            "no {table} rows"
        );
    }
    let invitation = &exported["organization_invitations"][0];
    assert_eq!(invitation["invitee_email"], EMAIL);
    assert!(
        invitation.get("token_hash").is_none(),
        "a token's hash was exported"
    );
    assert!(
        zip.by_name("assessments.csv").is_ok(),
        "a CSV per table with rows"
    );
    assert_eq!(
        result["rows"].as_u64(),
        Some(
            exported
                .values()
                .map(|rows| rows.as_array().unwrap().len() as u64)
                .sum()
        )
    );

    // Once only.
    assert_eq!(download(&world, &person, &link).await.0, 404);
    let anonymous = reqwest::Client::new()
        .get(world.app.url(&link))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}

#[tokio::test]
async fn an_export_of_ten_thousand_rows_completes() {
    let world = World::new().await;
    let person = world.alpha.person("member");
    let db = &world.app.db;
    let rows: Vec<_> = (0..10_000)
        .map(|_| rows::user_consent(person.id, world.consent_type))
        .collect();
    for chunk in rows.chunks(500) {
        rows::insert_all(db, chunk).await.unwrap();
    }
    let result = exported(&world, person).await;
    assert!(
        result["tables"]["user_consents"].as_u64().unwrap() >= 10_000,
        "{result}"
    );
    let link = result["download"].as_str().unwrap().to_owned();
    let (status, archive) = download(&world, person, &link).await;
    assert_eq!(status, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).unwrap();
    assert!(zip.by_name("user_consents.csv").is_ok());
}

const AUDIENCE: &str = r#"query($id: ID!) { organization(id: $id) { marketingAudience { id } } }"#;
const WITHDRAW: &str = r#"mutation($input: ConsentInput!) {
  withdrawConsent(input: $input) { consent { id } } }"#;

#[tokio::test]
async fn a_marketing_withdrawal_takes_a_person_off_the_audience_at_once() {
    let world = World::new().await;
    let marketing = consent_types::Entity::find()
        .filter(consent_types::Column::Code.eq("marketing"))
        .one(&world.app.db)
        .await
        .unwrap()
        .unwrap();
    let member = world.alpha.person("member");
    let decision = json!({ "input": { "consentTypeId": global_id("ConsentType", marketing.id) } });
    succeeded(&world.query(Some(member), GRANT, decision.clone()).await);
    let alpha = json!({ "id": global_id("Organization", world.alpha.id) });
    let audience = |response: &Value| response["data"]["organization"]["marketingAudience"].clone();
    let admin = world.alpha.person("admin");
    let listed = world.query(Some(admin), AUDIENCE, alpha.clone()).await;
    assert_eq!(
        audience(&listed),
        json!([{ "id": global_id("User", member.id) }]),
        "{listed}"
    );

    // A plain member may not read it, and beta's admin reaches no alpha at all.
    let plain = world
        .query(Some(world.alpha.person("analyst")), AUDIENCE, alpha.clone())
        .await;
    assert_eq!(error_codes(&plain), ["FORBIDDEN"], "{plain}");
    let stranger = world
        .query(Some(world.beta.person("admin")), AUDIENCE, alpha.clone())
        .await;
    assert_eq!(stranger["data"]["organization"], Value::Null, "{stranger}");

    succeeded(&world.query(Some(member), WITHDRAW, decision).await);
    let after = world.query(Some(admin), AUDIENCE, alpha).await;
    assert_eq!(audience(&after), json!([]), "{after}");
}
