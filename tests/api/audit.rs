//! The audit log: it holds no raw personal data, only keyed hashes of it; its hash chain lets
//! `orgraph audit verify` name the first row edited or removed behind the application's back;
//! the database itself refuses to change or delete its rows; and concurrent mutations append
//! to it, and to the events outbox, in one order without gaps or forks.
//!
//! The world fixture inserts unchained audit rows, so the chain tests run on a [`Ledger`]: an
//! application whose every audit row was written by a mutation.

use std::net::SocketAddr;
use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::prelude::{
    AssessmentScore, AuditLog, Event, OrganizationDigitalTwin, OrganizationInvitation,
};
use entity::{
    assessment_scores, audit_log, events, organization_digital_twins, organization_invitations,
};
use futures_util::future::join_all;
use orgraph::Application;
use orgraph::audit::{self, Pseudonymizer, Verification};
use orgraph::config::Settings;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TEST_JWT_SECRET, TestDb, empty_database, on_postgres, test_settings};
use crate::rows;
use crate::world::{Person, World, bearer, global_id};

const CREATE_ORGANIZATION: &str = r#"mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } } }"#;
const INVITE: &str = r#"mutation($input: InviteMemberInput!) {
  inviteMember(input: $input) { invitation { id role } } }"#;
const UPDATE_PROFILE: &str = r#"mutation($input: UpdateMyProfileInput!) {
  updateMyProfile(input: $input) { user { id } } }"#;
const UPDATE_ORGANIZATION: &str = r#"mutation($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) { organization { id } } }"#;
const GRANT: &str = r#"mutation($input: ConsentInput!) {
  grantConsent(input: $input) { consent { id } } }"#;
const WITHDRAW: &str = r#"mutation($input: ConsentInput!) {
  withdrawConsent(input: $input) { consent { id } } }"#;
const START: &str = r#"mutation($input: StartAssessmentInput!) {
  startAssessment(input: $input) { assessment { id } } }"#;
const SAVE: &str = r#"mutation($input: SaveAssessmentResponsesInput!) {
  saveAssessmentResponses(input: $input) { assessment { id } } }"#;
const SUBMIT: &str = r#"mutation($input: AssessmentInput!) {
  submitAssessment(input: $input) { score { id } } }"#;
const ARCHIVE: &str = r#"mutation($input: AssessmentInput!) {
  archiveAssessment(input: $input) { assessment { id } } }"#;

/// The key of a global ID.
fn key(id: &Value) -> Uuid {
    let decoded = URL_SAFE_NO_PAD
        .decode(id.as_str().expect("an ID"))
        .expect("base64");
    let text = String::from_utf8(decoded).expect("UTF-8");
    text.rsplit_once(':')
        .expect("kind:key")
        .1
        .parse()
        .expect("a UUID")
}

fn answers() -> Value {
    json!({ "processes_documented": 3, "process_owners": false, "automation_share": "half",
            "performance_measured": "occasionally", "improvement_reviews": true })
}

/// A running application on a database of its own whose audit chain starts empty, with one
/// organisation, `alpha`, created through the API by `owner`.
struct Ledger {
    database: TestDb,
    /// The application's own pool.
    db: DatabaseConnection,
    address: SocketAddr,
    client: reqwest::Client,
    owner: Person,
    organization: Uuid,
}

impl Ledger {
    async fn new() -> Self {
        Self::with(|_| {}).await
    }

    async fn with(configure: impl FnOnce(&mut Settings)) -> Self {
        let database = empty_database().await;
        let mut settings = test_settings(&database.url);
        configure(&mut settings);
        let application = Application::build(&settings)
            .await
            .expect("the application builds");
        let address = application.local_addr();
        let db = application.db().clone();
        tokio::spawn(application.run_until_stopped());
        let owner = person(&db, "owner@alpha.example").await;
        let mut ledger = Self {
            database,
            db,
            address,
            client: reqwest::Client::new(),
            owner,
            organization: Uuid::nil(),
        };
        let input = json!({ "name": "Alpha", "slug": "alpha" });
        let created = ledger
            .succeed(&ledger.owner, CREATE_ORGANIZATION, input)
            .await;
        ledger.organization = key(&created["organization"]["id"]);
        ledger
    }

    /// Runs `mutation` with `input` as `person` and returns the whole response.
    async fn mutate(&self, person: &Person, mutation: &str, input: Value) -> Value {
        self.client
            .post(format!("http://{}/graphql", self.address))
            .header("authorization", bearer(person))
            .json(&json!({ "query": mutation, "variables": { "input": input } }))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON body")
    }

    /// Like [`mutate`](Self::mutate), failing on any error; returns the payload.
    async fn succeed(&self, person: &Person, mutation: &str, input: Value) -> Value {
        let response = self.mutate(person, mutation, input).await;
        assert!(response.get("errors").is_none(), "{response}");
        let data = response["data"].as_object().expect("data");
        data.values().next().expect("one root field").clone()
    }

    fn organization_id(&self) -> String {
        global_id("Organization", self.organization)
    }

    /// Every kind of mutation the owner may make, ten audit rows in all with the creation.
    async fn record_a_working_day(&self) {
        let owner = &self.owner;
        for (email, role) in [
            ("ana@alpha.example", "ANALYST"),
            ("vic@alpha.example", "VIEWER"),
        ] {
            let input =
                json!({ "organizationId": self.organization_id(), "email": email, "role": role });
            self.succeed(owner, INVITE, input).await;
        }
        self.succeed(owner, UPDATE_PROFILE, json!({ "title": "Founder" }))
            .await;
        let consent_type = Uuid::now_v7();
        rows::consent_type("newsletter", 1)
            .set("id", consent_type)
            .insert(&self.db)
            .await
            .expect("a consent type");
        let consent = json!({ "consentTypeId": global_id("ConsentType", consent_type) });
        self.succeed(owner, GRANT, consent.clone()).await;
        let start = json!({ "organizationId": self.organization_id(), "assessmentType": "BPM" });
        let started = self.succeed(owner, START, start).await;
        let assessment = started["assessment"]["id"].clone();
        let answered = json!({ "assessmentId": assessment, "responses": answers() });
        self.succeed(owner, SAVE, answered).await;
        for mutation in [SUBMIT, ARCHIVE] {
            self.succeed(owner, mutation, json!({ "assessmentId": assessment }))
                .await;
        }
        self.succeed(owner, WITHDRAW, consent).await;
    }

    /// The audit rows, oldest first.
    async fn audit_rows(&self) -> Vec<audit_log::Model> {
        let rows = AuditLog::find().order_by_asc(audit_log::Column::Id);
        rows.all(&self.db).await.unwrap()
    }

    /// The audit row ids, in order.
    async fn audit_ids(&self) -> Vec<i64> {
        self.audit_rows().await.iter().map(|row| row.id).collect()
    }

    /// The events, in sequence.
    async fn events(&self) -> Vec<events::Model> {
        let events = Event::find().order_by_asc(events::Column::Sequence);
        events.all(&self.db).await.unwrap()
    }

    /// A new user with an active membership of `alpha` in `role`.
    async fn member(&self, email: &str, role: &str) -> Person {
        let person = person(&self.db, email).await;
        rows::member(self.organization, person.id)
            .set("role", role.to_owned())
            .insert(&self.db)
            .await
            .expect("membership");
        person
    }

    /// `orgraph audit verify`, as an operator runs it.
    fn audit_verify(&self) -> Output {
        Command::new(env!("CARGO_BIN_EXE_orgraph"))
            .args(["audit", "verify"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.database.url)
            .env("ORGRAPH_JWT_SECRET", TEST_JWT_SECRET)
            .env("RUST_LOG", "warn")
            .output()
            .expect("orgraph audit verify runs")
    }

    /// Runs `statement` against the audit log with its guard out of the way: on PostgreSQL the
    /// table's triggers are disabled for the statement; on SQLite `sqlite_trigger` is dropped.
    async fn behind_the_applications_back(&self, sqlite_trigger: &str, statement: &str) {
        let statements = if on_postgres() {
            vec![
                "ALTER TABLE audit_log DISABLE TRIGGER USER".to_owned(),
                statement.to_owned(),
                "ALTER TABLE audit_log ENABLE TRIGGER USER".to_owned(),
            ]
        } else {
            vec![
                format!("DROP TRIGGER {sqlite_trigger}"),
                statement.to_owned(),
            ]
        };
        for statement in statements {
            self.db
                .execute_unprepared(&statement)
                .await
                .unwrap_or_else(|error| panic!("{statement}: {error}"));
        }
    }

    /// Asserts that both the library and the binary find the chain broken at row `id`.
    async fn assert_broken_at(&self, id: i64) {
        let verification = audit::verify(&self.db).await.expect("the chain is read");
        assert!(
            matches!(verification, Verification::Broken { id: broken, .. } if broken == id),
            "expected a break at row {id}, got {verification:?}"
        );
        let output = self.audit_verify();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "verify must fail: {stderr}");
        assert!(
            stderr.contains(&format!("audit log broken at row {id}: ")),
            "names row {id}: {stderr}"
        );
    }
}

/// Someone who can sign in.
async fn person(db: &DatabaseConnection, email: &str) -> Person {
    let id = Uuid::now_v7();
    rows::user(id, email).insert(db).await.expect("user");
    Person {
        id,
        email: email.to_owned(),
    }
}

#[tokio::test]
async fn audit_rows_hold_keyed_hashes_of_personal_data_never_the_data() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let newcomer = "Newt.Scamander@Example.org";
    let changes = [
        (
            member,
            UPDATE_PROFILE,
            json!({ "phone": "+33 1 23 45 67 89", "title": "Chief Widget Officer" }),
        ),
        (
            world.alpha.person("admin"),
            INVITE,
            json!({ "organizationId": global_id("Organization", world.alpha.id), "email": newcomer,
                    "role": "MEMBER" }),
        ),
        (member, UPDATE_PROFILE, json!({ "title": "Widget Tsar" })),
    ];
    for (person, mutation, input) in changes {
        let response = world
            .query(Some(person), mutation, json!({ "input": input }))
            .await;
        assert!(response.get("errors").is_none(), "{response}");
    }

    let raw = [
        member.email.as_str(),
        "+44 20 7946 0000",
        "+33 1 23 45 67 89",
        "Head of Things",
        "Chief Widget Officer",
        "Widget Tsar",
        "Ada",
        "Lovelace",
        newcomer,
        &newcomer.to_lowercase(),
    ];
    let db = &world.app.db;
    let rows = AuditLog::find().all(db).await.unwrap();
    let payloads = Event::find().all(db).await.unwrap();
    let texts = rows
        .iter()
        .flat_map(|row| [&row.old_values, &row.new_values])
        .map(|values| serde_json::to_string(values).unwrap())
        .chain(payloads.iter().map(|event| event.payload.to_string()));
    for text in texts {
        for value in raw {
            assert!(!text.contains(value), "{value:?} is stored raw: {text}");
        }
    }

    let pseudonymizer = Pseudonymizer::new(TEST_JWT_SECRET.as_bytes());
    let pseudonym =
        |field: &str, value: &str| pseudonymizer.mask(json!({ field: value }))[field].clone();
    let member_id = member.id.to_string();
    let profile: Vec<(Value, Value)> = rows
        .iter()
        .filter(|row| row.table_name == "users" && row.record_id.as_deref() == Some(&member_id))
        .map(|row| {
            let values = |values: &Option<Value>| values.clone().unwrap_or_default();
            (values(&row.old_values), values(&row.new_values))
        })
        .collect();
    assert_eq!(profile.len(), 2, "one row per profile change");
    let email = pseudonym("email", &member.email);
    assert!(
        email.as_str().is_some_and(|hash| hash.starts_with("hmac:")),
        "{email}"
    );
    for (old, new) in &profile {
        assert_eq!(
            (&old["email"], &new["email"]),
            (&email, &email),
            "the same email, the same hash"
        );
        assert_eq!(new["id"], member.id.to_string(), "ids are not personal");
        assert_eq!(new["platform_role"], "user");
        assert_eq!(new["status"], "active");
    }
    let (old, new) = &profile[0];
    assert_eq!(old["phone"], pseudonym("phone", "+44 20 7946 0000"));
    assert_eq!(new["phone"], pseudonym("phone", "+33 1 23 45 67 89"));
    assert_eq!(new["title"], pseudonym("title", "Chief Widget Officer"));
    assert_eq!(
        profile[1].0["title"], new["title"],
        "the same title, the same hash"
    );
    assert_ne!(old["phone"], new["phone"], "a change still shows");

    let invitation = rows
        .iter()
        .find(|row| row.table_name == "organization_invitations")
        .and_then(|row| row.new_values.clone())
        .expect("the invitation's audit row");
    assert_eq!(invitation["role"], "member");
    assert_eq!(invitation["organization_id"], world.alpha.id.to_string());
    let address = newcomer.to_lowercase();
    assert_eq!(invitation["email"], pseudonym("email", &address));
    assert!(invitation.get("token_hash").is_none(), "{invitation}");
}

#[tokio::test]
async fn personal_data_nested_in_organization_settings_is_not_stored_raw() {
    let ledger = Ledger::new().await;
    let contact = json!({ "email": "fiona.finance@alpha.example", "phone": "+44 20 1234 5678" });
    let input = json!({ "organizationId": ledger.organization_id(),
                        "settings": { "billing_contact": contact } });
    ledger
        .succeed(&ledger.owner, UPDATE_ORGANIZATION, input)
        .await;
    for row in ledger.audit_rows().await {
        let text = serde_json::to_string(&row.new_values).unwrap();
        for raw in ["fiona.finance@alpha.example", "+44 20 1234 5678"] {
            assert!(
                !text.contains(raw),
                "row {}: {raw:?} is stored raw: {text}",
                row.id
            );
        }
    }
}

#[tokio::test]
async fn audit_verify_passes_then_names_the_row_edited_behind_the_applications_back() {
    let ledger = Ledger::new().await;
    ledger.record_a_working_day().await;
    let ids = ledger.audit_ids().await;
    assert_eq!(ids.len(), 10, "one row per mutation");

    let output = ledger.audit_verify();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).lines().next(),
        Some("audit log intact: 10 rows, every hash matches")
    );
    assert!(matches!(
        audit::verify(&ledger.db).await.unwrap(),
        Verification::Intact { rows: 10, .. }
    ));

    let tampered = ids[ids.len() / 2];
    let edit = format!("UPDATE audit_log SET table_name = 'tampered' WHERE id = {tampered}");
    ledger
        .behind_the_applications_back("audit_log_no_update", &edit)
        .await;
    ledger.assert_broken_at(tampered).await;
}

#[tokio::test]
async fn a_row_deleted_behind_the_applications_back_breaks_the_chain_at_the_next_row() {
    let ledger = Ledger::new().await;
    ledger.record_a_working_day().await;
    let ids = ledger.audit_ids().await;
    let (deleted, following) = (ids[4], ids[5]);
    let delete = format!("DELETE FROM audit_log WHERE id = {deleted}");
    ledger
        .behind_the_applications_back("audit_log_no_delete", &delete)
        .await;
    assert_eq!(ledger.audit_ids().await.len(), ids.len() - 1);
    ledger.assert_broken_at(following).await;
}

#[tokio::test]
async fn a_deleted_newest_row_is_detected_against_the_anchor_of_an_earlier_verification() {
    let ledger = Ledger::new().await;
    ledger.record_a_working_day().await;
    let newest = *ledger.audit_ids().await.last().expect("rows");
    let Verification::Intact {
        head: Some(anchor), ..
    } = audit::verify(&ledger.db).await.unwrap()
    else {
        panic!("a fresh chain is intact and has a head");
    };
    assert_eq!(anchor.id, newest);
    let delete = format!("DELETE FROM audit_log WHERE id = {newest}");
    ledger
        .behind_the_applications_back("audit_log_no_delete", &delete)
        .await;
    let verification = audit::verify_anchored(&ledger.db, Some(&anchor))
        .await
        .unwrap();
    assert!(
        matches!(verification, Verification::Broken { id, .. } if id == newest),
        "the log lost its newest row, yet: {verification:?}"
    );
}

#[tokio::test]
async fn the_database_refuses_to_change_audit_rows_except_to_generalise_ip_addresses() {
    let ledger = Ledger::new().await;
    ledger
        .succeed(&ledger.owner, UPDATE_PROFILE, json!({ "title": "Founder" }))
        .await;
    let ids = ledger.audit_ids().await;
    let (first, second) = (ids[0], ids[1]);
    let mut refused = vec![
        format!("UPDATE audit_log SET table_name = 'tampered' WHERE id = {first}"),
        format!("UPDATE audit_log SET record_id = 'someone-else' WHERE id = {first}"),
        format!("UPDATE audit_log SET new_values = NULL WHERE id = {first}"),
        format!(
            "UPDATE audit_log SET hash = '{}' WHERE id = {first}",
            "0".repeat(64)
        ),
        format!("UPDATE audit_log SET prev_hash = NULL WHERE id = {second}"),
        format!("UPDATE audit_log SET ip_address = NULL, operation = 'DELETE' WHERE id = {first}"),
        format!("DELETE FROM audit_log WHERE id = {second}"),
        "DELETE FROM audit_log".to_owned(),
    ];
    if on_postgres() {
        refused.push("TRUNCATE audit_log".to_owned());
    }
    for statement in &refused {
        let error = ledger
            .db
            .execute_unprepared(statement)
            .await
            .expect_err(statement);
        assert!(
            error.to_string().contains("audit_log is append-only"),
            "{statement}: {error}"
        );
    }
    assert_eq!(ledger.audit_ids().await, ids, "every row is still there");

    let generalised = ledger
        .db
        .execute_unprepared(&format!(
            "UPDATE audit_log SET ip_address = '203.0.113.0' WHERE id = {first}"
        ))
        .await
        .expect("retention may generalise an address");
    assert_eq!(generalised.rows_affected(), 1);
    let row = AuditLog::find_by_id(first)
        .one(&ledger.db)
        .await
        .unwrap()
        .expect("the row");
    assert_eq!(row.ip_address.as_deref(), Some("203.0.113.0"));
    assert!(
        matches!(
            audit::verify(&ledger.db).await.unwrap(),
            Verification::Intact { rows: 2, .. }
        ),
        "the address is outside the hashed content"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_mutations_each_append_one_audit_row_and_one_event_in_one_order() {
    // PostgreSQL only: SQLite has a single writer, so its mutations queue on the database lock
    // and there is no race to observe.
    if !on_postgres() {
        return;
    }
    const EACH: usize = 25;
    let ledger = Ledger::with(|settings| settings.db_max_connections = 10).await;
    let db = &ledger.db;
    let mut respondents = Vec::new();
    let mut admins = Vec::new();
    for n in 0..EACH {
        let respondent = ledger
            .member(&format!("respondent{n}@alpha.example"), "member")
            .await;
        let assessment = Uuid::now_v7();
        rows::assessment(assessment, ledger.organization, respondent.id)
            .set("responses", answers())
            .insert(db)
            .await
            .expect("an assessment in progress");
        respondents.push((respondent, assessment));
        admins.push(
            ledger
                .member(&format!("admin{n}@alpha.example"), "admin")
                .await,
        );
    }
    let invitations = || {
        let organization = organization_invitations::Column::OrganizationId.eq(ledger.organization);
        OrganizationInvitation::find()
            .filter(organization)
            .count(db)
    };
    let rows_before = ledger.audit_rows().await.len();
    let events_before = ledger.events().await.len();

    let submits = respondents.iter().map(|(respondent, assessment)| {
        let input = json!({ "assessmentId": global_id("Assessment", assessment) });
        ledger.mutate(respondent, SUBMIT, input)
    });
    let adds = admins.iter().enumerate().map(|(n, admin)| {
        let input = json!({ "organizationId": ledger.organization_id(),
                            "email": format!("newcomer{n}@example.org"), "role": "MEMBER" });
        ledger.mutate(admin, INVITE, input)
    });
    let (submitted, added) = tokio::join!(join_all(submits), join_all(adds));
    let succeeded = |responses: &[Value]| {
        responses
            .iter()
            .filter(|response| response.get("errors").is_none())
            .count()
    };
    let successes = succeeded(&submitted) + succeeded(&added);

    for ((_, assessment), response) in respondents.iter().zip(&submitted) {
        let scores = AssessmentScore::find()
            .filter(assessment_scores::Column::AssessmentId.eq(*assessment))
            .count(db)
            .await
            .unwrap();
        let expected = u64::from(response.get("errors").is_none());
        assert_eq!(scores, expected, "{assessment}: {response}");
    }
    assert_eq!(invitations().await.unwrap(), succeeded(&added) as u64);
    let rows = ledger.audit_rows().await.split_off(rows_before);
    let all_events = ledger.events().await.split_off(events_before);
    let sequences: std::collections::BTreeSet<i64> =
        all_events.iter().map(|event| event.sequence).collect();
    assert_eq!(sequences.len(), all_events.len(), "no sequence twice");
    let (recomputed, events): (Vec<_>, Vec<_>) = all_events
        .into_iter()
        .partition(|event| event.event_type == "digital_twin.recomputed");
    assert_eq!(
        rows.len(),
        successes,
        "one audit row per successful mutation"
    );
    assert_eq!(events.len(), successes, "one event per successful mutation");
    // Each submission adds a counted assessment, so each changes the twin, once; and the twin
    // counts them all: no submission's recomputation lost to a concurrent one.
    assert_eq!(recomputed.len(), succeeded(&submitted));
    let twin = OrganizationDigitalTwin::find()
        .filter(organization_digital_twins::Column::OrganizationId.eq(ledger.organization))
        .one(db)
        .await
        .unwrap()
        .expect("a twin");
    assert_eq!(twin.assessment_count as usize, succeeded(&submitted));
    let rows_order: Vec<_> = rows.iter().map(|row| row.record_id.clone()).collect();
    let events_order: Vec<_> = events
        .iter()
        .map(|event| Some(event.aggregate_id.to_string()))
        .collect();
    assert_eq!(
        rows_order, events_order,
        "the outbox orders the mutations as the audit chain does, which is their commit order"
    );
    let total = (rows_before + rows.len()) as u64;
    assert!(matches!(
        audit::verify(db).await.unwrap(),
        Verification::Intact { rows, .. } if rows == total
    ));
    assert!(ledger.audit_verify().status.success());

    let failures: Vec<&Value> = submitted
        .iter()
        .chain(&added)
        .filter(|response| response.get("errors").is_some())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} mutations failed: {failures:#?}",
        failures.len(),
        2 * EACH
    );
}

/// Every change of one request carries that request's id: the client's `x-request-id` when it
/// sent one, else one made for the request; and the client's address.
#[tokio::test]
async fn the_changes_of_one_request_share_its_request_id() {
    let ledger = Ledger::new().await;
    let two_members = r#"mutation($a: InviteMemberInput!, $b: InviteMemberInput!) {
      a: inviteMember(input: $a) { invitation { id } } b: inviteMember(input: $b) { invitation { id } } }"#;
    let member = |email: &str| json!({ "organizationId": ledger.organization_id(), "email": email, "role": "VIEWER" });
    for (request_id, emails) in [
        (None, ["one@alpha.example", "two@alpha.example"]),
        (
            Some("trace-7"),
            ["three@alpha.example", "four@alpha.example"],
        ),
    ] {
        let before = ledger.audit_rows().await.len();
        let mut request = ledger
            .client
            .post(format!("http://{}/graphql", ledger.address))
            .header("authorization", bearer(&ledger.owner))
            .json(&json!({ "query": two_members,
                "variables": { "a": member(emails[0]), "b": member(emails[1]) } }));
        if let Some(request_id) = request_id {
            request = request.header("x-request-id", request_id);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(response.get("errors").is_none(), "{response}");
        let rows = ledger.audit_rows().await;
        let new = &rows[before..];
        assert_eq!(new.len(), 2, "{new:?}");
        let ids: Vec<_> = new.iter().map(|row| row.request_id.clone()).collect();
        assert_eq!(ids[0], ids[1]);
        match request_id {
            Some(sent) => assert_eq!(ids[0].as_deref(), Some(sent)),
            None => assert!(
                ids[0]
                    .as_deref()
                    .is_some_and(|id| Uuid::parse_str(id).is_ok())
            ),
        }
        assert!(
            new.iter()
                .all(|row| row.ip_address.as_deref() == Some("127.0.0.1"))
        );
    }
    let earlier = ledger.audit_rows().await;
    assert_ne!(
        earlier[earlier.len() - 4].request_id,
        earlier[earlier.len() - 2].request_id,
        "each request has its own id"
    );
}

#[tokio::test]
async fn an_organisations_audit_log_counts_only_its_own_changes() {
    let world = World::new().await;
    let (alpha, beta) = (&world.alpha, &world.beta);
    let rename = |org: &crate::world::Org, name: &str| json!({ "input": { "organizationId": global_id("Organization", org.id), "name": name } });
    let changed = |response: &Value| assert!(response.get("errors").is_none(), "{response}");
    let alpha_owner = Some(alpha.person("owner"));
    changed(
        &world
            .query(alpha_owner, UPDATE_ORGANIZATION, rename(alpha, "Alpha 2"))
            .await,
    );
    for round in 0..5 {
        let name = format!("Beta {round}");
        let beta_owner = Some(beta.person("owner"));
        changed(
            &world
                .query(beta_owner, UPDATE_ORGANIZATION, rename(beta, &name))
                .await,
        );
    }
    changed(
        &world
            .query(alpha_owner, UPDATE_ORGANIZATION, rename(alpha, "Alpha 3"))
            .await,
    );

    let log = r#"query($id: ID!) { organization(id: $id) {
      auditLog(first: 10) { edges { cursor node { id sequence } } } } }"#;
    let variables = json!({ "id": global_id("Organization", alpha.id) });
    let response = world.query(alpha_owner, log, variables).await;
    let edges = response["data"]["organization"]["auditLog"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .clone();
    let sequences: Vec<i64> = edges
        .iter()
        .map(|edge| edge["node"]["sequence"].as_i64().expect("a sequence"))
        .collect();
    assert_eq!(sequences, [3, 2, 1], "beta's five changes leave no gap");

    let rows = AuditLog::find()
        .filter(audit_log::Column::OrganizationId.eq(alpha.id))
        .order_by_desc(audit_log::Column::Id)
        .all(&world.app.db)
        .await
        .expect("alpha's rows");
    assert!(rows[0].id > 3, "other organisations wrote in between");
    for (edge, row) in edges.iter().zip(&rows) {
        let cursor = URL_SAFE_NO_PAD
            .decode(edge["cursor"].as_str().expect("a cursor"))
            .expect("base64");
        let cursor: Value = serde_json::from_slice(&cursor).expect("JSON");
        let sequence = edge["node"]["sequence"].clone();
        assert_eq!(cursor["v"]["i"], sequence, "the cursor holds the sequence");
        assert_eq!(cursor["k"]["i"], sequence, "and no row id: {cursor}");
        assert_eq!(edge["node"]["id"], global_id("AuditEntry", &row.hash));
    }
}

/// Every answer carries its request's id, the client's when it sent one: the same id the
/// audit log records for the request's changes, so a client's report finds its audit rows.
#[tokio::test]
async fn the_answer_carries_the_request_id_the_audit_log_records() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let input = json!({ "input": { "organizationId": global_id("Organization", world.alpha.id),
                                   "name": "Alpha renamed" } });
    let newest = || async {
        AuditLog::find()
            .order_by_desc(audit_log::Column::Id)
            .one(&world.app.db)
            .await
            .unwrap()
            .expect("an audit row")
            .request_id
    };
    for sent in [None, Some("trace-42")] {
        let mut request = world
            .app
            .client
            .post(world.app.url("/graphql"))
            .header("authorization", bearer(owner))
            .json(&json!({ "query": UPDATE_ORGANIZATION, "variables": input }));
        if let Some(id) = sent {
            request = request.header("x-request-id", id);
        }
        let response = request.send().await.unwrap();
        let answered = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        match sent {
            Some(id) => assert_eq!(answered, id),
            None => assert!(Uuid::parse_str(&answered).is_ok(), "{answered}"),
        }
        let body: Value = response.json().await.unwrap();
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(newest().await.as_deref(), Some(answered.as_str()));
    }
    let health = world
        .app
        .client
        .get(world.app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert!(
        health.headers().contains_key("x-request-id"),
        "every answer carries one"
    );
}
