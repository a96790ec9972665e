//! A two-tenant world for API tests: organisations `alpha` and `beta`, each with a member in
//! every role and one object of every kind, plus an outsider (no membership) and a platform
//! admin. Tests ask the same question as different people and compare the answers.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use entity::enums::AuditOperation;
use orgraph::audit::{self, Change, Pseudonymizer, RequestMeta};
use orgraph::auth::token::TokenKeys;
use orgraph::startup::STATEMENTS_HEADER;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TEST_JWT_SECRET, TestApp, spawn_app};
use crate::rows;

/// The statement a signed-in request that reads organisation data spends on its viewer: their
/// memberships, read once, then bound into every statement after it.
pub const VIEWER_READ: u64 = 1;

/// The membership roles, strongest first, as stored.
pub const ROLES: [&str; 5] = ["owner", "admin", "analyst", "member", "viewer"];

/// Someone who can sign in.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: Uuid,
    pub email: String,
}

/// One organisation and one object of every kind it owns.
#[derive(Debug, Clone)]
pub struct Org {
    pub id: Uuid,
    pub slug: String,
    /// Members by stored role.
    pub people: BTreeMap<&'static str, Person>,
    /// The owner's membership.
    pub membership: Uuid,
    /// The owner's scored assessment.
    pub assessment: Uuid,
    pub score: Uuid,
    pub twin: Uuid,
    pub snapshot: Uuid,
    /// The hash that names the fixture's audit entry.
    pub audit_entry: String,
    /// The owner's consent record.
    pub consent: Uuid,
    /// A pending invitation, to an address with no account.
    pub invitation: Uuid,
    /// A data request about the owner, by the owner.
    pub data_request: Uuid,
}

impl Org {
    /// The member holding `role`.
    pub fn person(&self, role: &str) -> &Person {
        &self.people[role]
    }
}

/// Two tenants on a running application.
pub struct World {
    pub app: TestApp,
    pub alpha: Org,
    pub beta: Org,
    /// Signed in, member of nothing.
    pub outsider: Person,
    pub platform_admin: Person,
    pub consent_type: Uuid,
}

impl World {
    /// Starts an application and fills it with the two tenants.
    pub async fn new() -> Self {
        Self::on(spawn_app().await).await
    }

    /// Fills `app` with the two tenants.
    pub async fn on(app: TestApp) -> Self {
        let consent_type = Uuid::now_v7();
        rows::consent_type("world_newsletter", 1)
            .set("id", consent_type)
            .insert(&app.db)
            .await
            .expect("consent type");
        let alpha = organization(&app, "alpha", consent_type).await;
        let beta = organization(&app, "beta", consent_type).await;
        let outsider = person(&app, "outsider@example.com", "user").await;
        let platform_admin = person(&app, "platform@example.com", "platform_admin").await;
        // Two organisations are too few for a cohort: each stands alone, as a refresh says.
        orgraph::service::benchmarks::refresh(&app.db, chrono::Utc::now())
            .await
            .expect("a benchmark refresh");
        Self {
            app,
            alpha,
            beta,
            outsider,
            platform_admin,
            consent_type,
        }
    }

    /// Runs `query` with `variables` as `person` (anonymously for `None`).
    pub async fn query(&self, person: Option<&Person>, query: &str, variables: Value) -> Value {
        self.query_counted(person, query, variables).await.0
    }

    /// Like [`query`](Self::query), also returning the SQL statements the request sent.
    pub async fn query_counted(
        &self,
        person: Option<&Person>,
        query: &str,
        variables: Value,
    ) -> (Value, u64) {
        let authorization = person.map(bearer);
        let response = self
            .app
            .post_graphql(query, variables, authorization.as_deref())
            .await;
        let statements = response
            .headers()
            .get(STATEMENTS_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok())
            .expect("every GraphQL response reports its statement count");
        (response.json().await.expect("a JSON body"), statements)
    }
}

/// `Bearer <token>` for `person`, valid for an hour.
pub fn bearer(person: &Person) -> String {
    let token = TokenKeys::new(TEST_JWT_SECRET)
        .mint(person.id, Duration::hours(1))
        .expect("a token");
    format!("Bearer {token}")
}

/// The global ID the API gives the object of type `kind` with `key`.
pub fn global_id(kind: &str, key: impl std::fmt::Display) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{key}"))
}

/// The `extensions.code` of each error in a response.
pub fn error_codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    error["extensions"]["code"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn person(app: &TestApp, email: &str, platform_role: &str) -> Person {
    let id = Uuid::now_v7();
    rows::user(id, email)
        .set("platform_role", platform_role.to_owned())
        .set("phone", "+44 20 7946 0000")
        .set("title", "Head of Things")
        .insert(&app.db)
        .await
        .expect("user");
    Person {
        id,
        email: email.to_owned(),
    }
}

async fn organization(app: &TestApp, slug: &str, consent_type: Uuid) -> Org {
    let db = &app.db;
    let id = Uuid::now_v7();
    rows::organization(id, slug)
        .insert(db)
        .await
        .expect("organization");
    let mut people = BTreeMap::new();
    let mut membership = Uuid::nil();
    for role in ROLES {
        let person = person(app, &format!("{role}@{slug}.example"), "user").await;
        let member = Uuid::now_v7();
        rows::member(id, person.id)
            .set("id", member)
            .set("role", role)
            .insert(db)
            .await
            .expect("membership");
        if role == "owner" {
            membership = member;
        }
        people.insert(role, person);
    }
    let owner = people["owner"].id;
    let assessment = Uuid::now_v7();
    rows::assessment(assessment, id, owner)
        .set("status", "completed")
        .set("completed_at", chrono::Utc::now())
        .insert(db)
        .await
        .expect("assessment");
    let score = Uuid::now_v7();
    rows::score(assessment, id)
        .set("id", score)
        .insert(db)
        .await
        .expect("score");
    let twin = Uuid::now_v7();
    rows::twin(twin, id).insert(db).await.expect("twin");
    let snapshot = Uuid::now_v7();
    rows::snapshot(twin, id)
        .set("id", snapshot)
        .insert(db)
        .await
        .expect("snapshot");
    let consent = Uuid::now_v7();
    rows::user_consent(owner, consent_type)
        .set("id", consent)
        .insert(db)
        .await
        .expect("consent");
    // Through the audit module, so the fixture's row is a link of a valid hash chain and tests
    // can verify the chain after their own changes.
    let audit_entry = audit::append(
        db,
        &Pseudonymizer::new(TEST_JWT_SECRET.as_bytes()),
        Change {
            organization_id: Some(id),
            actor_user_id: Some(owner),
            table_name: "organizations",
            record_id: format!("audit-{slug}"),
            operation: AuditOperation::Insert,
            old_values: None,
            new_values: Some(json!({ "name": "x" })),
        },
        &RequestMeta {
            request_id: format!("world-{slug}"),
            ip_address: Some("203.0.113.7".to_owned()),
            user_agent: None,
        },
    )
    .await
    .expect("audit entry")
    .hash;
    let invitation = Uuid::now_v7();
    rows::invitation(id, &format!("invitee@{slug}.example"))
        .set("id", invitation)
        .set("inviter_id", owner)
        .insert(db)
        .await
        .expect("invitation");
    let data_request = Uuid::now_v7();
    rows::data_request(owner)
        .set("id", data_request)
        .insert(db)
        .await
        .expect("data request");
    Org {
        id,
        slug: slug.to_owned(),
        people,
        membership,
        assessment,
        score,
        twin,
        snapshot,
        audit_entry,
        consent,
        invitation,
        data_request,
    }
}

/// A plain member of both alpha and beta, with an assessment in each and a consent record;
/// returned with their (membership, assessment) in alpha, then in beta.
pub async fn shared_member(world: &World) -> (Person, [(Uuid, Uuid); 2]) {
    let db = &world.app.db;
    let (id, email) = (Uuid::now_v7(), "shared@example.com".to_owned());
    rows::user(id, &email).insert(db).await.expect("user");
    let mut rows = [(Uuid::nil(), Uuid::nil()); 2];
    for (org, slot) in [&world.alpha, &world.beta].into_iter().zip(&mut rows) {
        *slot = (Uuid::now_v7(), Uuid::now_v7());
        let member = rows::member(org.id, id).set("id", slot.0);
        member.insert(db).await.expect("membership");
        let assessment = rows::assessment(slot.1, org.id, id);
        assessment.insert(db).await.expect("assessment");
    }
    let consent = rows::user_consent(id, world.consent_type);
    consent.insert(db).await.expect("consent");
    (Person { id, email }, rows)
}

/// A query that reads every field of an organisation reachable from it, so a test can
/// compare what two viewers see.
pub const ORGANIZATION_TREE: &str = r#"
query Tree($id: ID!) {
  organization(id: $id) {
    id slug
    members(first: 10) { totalCount edges { cursor node { id role user { id name email } } } }
    assessments(first: 10) { totalCount edges { cursor node { id score { id } respondent { id } } } }
    digitalTwin { id snapshots(first: 10) { totalCount edges { node { id } } } }
  }
}"#;

/// `json!` helper for `{"id": …}` variables.
pub fn id_variables(id: &str) -> Value {
    json!({ "id": id })
}
