//! The data set and what the scenarios ask for: who asks, about which rows, in which words.

use std::collections::HashMap;

use anyhow::Context;
use orgraph::auth::token::TokenKeys;
use orgraph::domain::scoring::{CURRENT_VERSION, Scale, question_model};
use orgraph::seed::{SyntheticSize, synthetic};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::Args;
use crate::Case;
use crate::servers::{Server, ServerKind};
use crate::sql::{numbered, query, scalar};

/// The organisation with 200 members the `members` scenario pages through.
pub const LARGE_ORG_MEMBERS: u32 = 200;
const LARGE_ORG_ASSESSMENTS: u32 = 5;

/// Every query file the scenarios use; the peer has its own words for the first four.
const QUERIES: [&str; 6] = [
    "lookup",
    "dashboard",
    "members",
    "nested",
    "analytics",
    "mutation",
];
const PEER_QUERIES: [&str; 4] = ["lookup", "dashboard", "members", "nested"];

/// Seeds the data set unless it is there.
pub async fn prepare(db: &DatabaseConnection, args: &Args) -> anyhow::Result<()> {
    let organizations = scalar(db, "SELECT COUNT(*) FROM organizations", []).await?;
    if organizations < i64::from(args.orgs) + 1 {
        let size = SyntheticSize {
            orgs: args.orgs,
            users_per_org: args.users_per_org,
            assessments_per_user: args.assessments_per_user,
        };
        println!("seeding {size:?}…");
        synthetic(db, size, false).await?;
        let large = SyntheticSize {
            orgs: 1,
            users_per_org: LARGE_ORG_MEMBERS,
            assessments_per_user: LARGE_ORG_ASSESSMENTS,
        };
        synthetic(db, large, false).await?;
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // Earlier runs' submissions were deleted, but their dead rows stay in the tables and
        // indexes until a vacuum, and every read scenario would wade through them.
        db.execute_unprepared("VACUUM (ANALYZE)").await?;
    }
    Ok(())
}

/// What the scenarios ask for: the largest organisation, one of its members, its assessments,
/// and a platform admin for `nested`.
pub struct Fixture {
    pub organization: Uuid,
    pub viewer: Uuid,
    token: String,
    admin_token: String,
    assessments: Vec<Uuid>,
    queries: HashMap<&'static str, String>,
    peer_queries: HashMap<&'static str, String>,
}

/// How a row's key is written: orgraph's global IDs, or the bare UUIDs of the peer (`rowId`).
#[derive(Debug, Clone, Copy)]
enum Ids {
    Global,
    Raw,
}

impl Fixture {
    /// A platform admin's token: they may read, change and subscribe to every organisation.
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    pub async fn load(db: &DatabaseConnection, keys: &TokenKeys) -> anyhow::Result<Self> {
        let rows = query(
            db,
            "SELECT organization_id FROM organization_members GROUP BY organization_id \
             ORDER BY COUNT(*) DESC LIMIT 1",
            [],
        )
        .await?;
        let organization: Uuid = rows
            .first()
            .context("no organisation")?
            .try_get("", "organization_id")?;
        let viewer: Uuid = query(
            db,
            "SELECT user_id FROM organization_members WHERE organization_id = ? AND status = 'active' \
             ORDER BY joined_at LIMIT 1",
            [organization.into()],
        )
        .await?
        .first()
        .context("no member")?
        .try_get("", "user_id")?;
        let assessments = query(
            db,
            "SELECT id FROM assessments WHERE organization_id = ? ORDER BY id LIMIT 1000",
            [organization.into()],
        )
        .await?
        .iter()
        .map(|row| row.try_get("", "id"))
        .collect::<Result<_, _>>()?;
        let admin = platform_admin(db).await?;
        let read = |path: String| std::fs::read_to_string(&path).with_context(|| path.clone());
        let folder = format!("{}/benches/queries", env!("CARGO_MANIFEST_DIR"));
        let mut queries = HashMap::new();
        for name in QUERIES {
            queries.insert(name, read(format!("{folder}/{name}.graphql"))?);
        }
        let mut peer_queries = HashMap::new();
        for name in PEER_QUERIES {
            peer_queries.insert(name, read(format!("{folder}/postgraphile/{name}.graphql"))?);
        }
        let hours = chrono::Duration::hours(2);
        Ok(Self {
            organization,
            viewer,
            token: keys.mint(viewer, hours)?,
            admin_token: keys.mint(admin, hours)?,
            assessments,
            queries,
            peer_queries,
        })
    }

    /// The token `scenario` is asked with: the platform admin's for `nested`, else the member's.
    fn token_for(&self, scenario: &str) -> &str {
        match scenario {
            "nested" => &self.admin_token,
            _ => &self.token,
        }
    }

    /// The request of `case`'s `i`-th iteration, as `server` is asked it.
    pub fn request(
        &self,
        client: &reqwest::Client,
        server: &Server,
        case: &Case,
        i: usize,
    ) -> reqwest::RequestBuilder {
        let token = self.token_for(case.query);
        match server.kind {
            ServerKind::Orgraph | ServerKind::OrgraphBare => client
                .post(&server.url)
                .bearer_auth(token)
                .json(&self.body(case.query, self.variables(case, i, Ids::Global))),
            ServerKind::PostGraphile => client
                .post(&server.url)
                .bearer_auth(token)
                .json(&self.peer_body(case.query, self.variables(case, i, Ids::Raw))),
            ServerKind::Baseline => client
                .get(format!("{}/{}", server.url, case.query))
                .bearer_auth(token)
                .query(&self.baseline_query(case.query, case.members, i)),
        }
    }

    fn body(&self, scenario: &str, variables: Json) -> Json {
        json!({ "query": self.queries[scenario], "variables": variables })
    }

    fn peer_body(&self, scenario: &str, variables: Json) -> Json {
        json!({ "query": self.peer_queries[scenario], "variables": variables })
    }

    /// The variables of `case`'s `i`-th request; the same values in both schemas.
    fn variables(&self, case: &Case, i: usize, ids: Ids) -> Json {
        let id = |kind: &str, id: Uuid| match ids {
            Ids::Global => json!(global_id(kind, id)),
            Ids::Raw => json!(id),
        };
        match case.query {
            "lookup" => json!({
                "id": id("Assessment", self.assessments[i % self.assessments.len()])
            }),
            "members" => json!({
                "id": id("Organization", self.organization),
                "members": case.members.unwrap_or(50),
            }),
            "nested" => json!({}),
            _ => json!({ "id": id("Organization", self.organization) }),
        }
    }

    fn baseline_query(
        &self,
        scenario: &str,
        members: Option<u32>,
        i: usize,
    ) -> Vec<(&'static str, String)> {
        match scenario {
            "lookup" => vec![(
                "id",
                self.assessments[i % self.assessments.len()].to_string(),
            )],
            "members" => vec![
                ("organization", self.organization.to_string()),
                ("members", members.unwrap_or(50).to_string()),
            ],
            _ => vec![("organization", self.organization.to_string())],
        }
    }

    /// A submission of the fresh assessment `id`.
    pub fn mutation(
        &self,
        client: &reqwest::Client,
        server: &Server,
        id: Uuid,
    ) -> reqwest::RequestBuilder {
        let body = self.body("mutation", json!({ "id": global_id("Assessment", id) }));
        client
            .post(&server.url)
            .bearer_auth(&self.token)
            .json(&body)
    }
}

/// An active platform admin: the first one there is, or one made for the bench (the synthetic
/// data set has none).
/// The first `count` organisations, by id.
pub async fn organizations(db: &DatabaseConnection, count: usize) -> anyhow::Result<Vec<Uuid>> {
    let rows = query(
        db,
        "SELECT id FROM organizations WHERE deleted_at IS NULL ORDER BY id LIMIT ?",
        [(count as i64).into()],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|row| row.try_get("", "id"))
        .collect::<Result<_, _>>()?)
}

async fn platform_admin(db: &DatabaseConnection) -> anyhow::Result<Uuid> {
    let found = query(
        db,
        "SELECT id FROM users WHERE platform_role = 'platform_admin' AND status = 'active' \
         AND deleted_at IS NULL ORDER BY created_at, id LIMIT 1",
        [],
    )
    .await?;
    if let Some(row) = found.first() {
        return Ok(row.try_get("", "id")?);
    }
    let id = Uuid::now_v7();
    let now = chrono::Utc::now();
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        numbered(
            backend,
            "INSERT INTO users (id, email, first_name, last_name, platform_role, status, \
             created_at, updated_at) VALUES (?, ?, 'Bench', 'Admin', 'platform_admin', 'active', ?, ?)",
        ),
        [
            id.into(),
            format!("admin.{}@bench.example", id.simple()).into(),
            now.into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// Batches of 1 000 fresh assessments prepared for `mutation`: more than a run submits.
const SUBMISSION_BATCHES: usize = 5;

/// Removes what `mutation` submitted (scores go with them), so runs do not pile up rows that
/// would slow the read scenarios of the next run.
pub async fn remove_submissions(
    db: &DatabaseConnection,
    fixture: &Fixture,
    ids: &[Uuid],
    started: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    for chunk in ids.chunks(1000) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let values: Vec<Value> = chunk.iter().map(|id| (*id).into()).collect();
        let sql = format!("DELETE FROM assessments WHERE id IN ({placeholders})");
        let backend = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            numbered(backend, &sql),
            values,
        ))
        .await?;
    }
    // Each submission changed the organisation's twin: drop the run's snapshots, and compute
    // the twin again without the submissions.
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        numbered(
            backend,
            "DELETE FROM digital_twin_snapshots WHERE organization_id = ? AND captured_at >= ?",
        ),
        [fixture.organization.into(), started.into()],
    ))
    .await?;
    let reference = orgraph::db::reference::Reference::load(db).await?;
    orgraph::service::twins::recompute_alone(
        db,
        reference.scale(),
        fixture.organization,
        chrono::Utc::now(),
    )
    .await?;
    Ok(())
}

/// Fresh in-progress assessments of the viewer with every question answered, for `mutation`.
pub async fn prepare_submissions(
    db: &DatabaseConnection,
    fixture: &Fixture,
) -> anyhow::Result<Vec<Uuid>> {
    let model = question_model(entity::enums::AssessmentType::Bpm, CURRENT_VERSION)
        .context("the BPM question model")?;
    let responses: serde_json::Map<String, Json> = model
        .questions
        .iter()
        .map(|question| {
            let answer = match &question.scale {
                Scale::Likert { max, .. } => json!(max),
                Scale::Choice { options } => json!(options[0].key),
                Scale::Boolean => json!(true),
                Scale::Text { .. } => json!("Nothing to add."),
            };
            (question.id.clone(), answer)
        })
        .collect();
    let now = chrono::Utc::now();
    let mut ids = Vec::new();
    for _ in 0..SUBMISSION_BATCHES {
        let batch: Vec<entity::assessments::ActiveModel> = (0..1000)
            .map(|_| {
                let id = Uuid::now_v7();
                ids.push(id);
                entity::assessments::ActiveModel {
                    id: sea_orm::Set(id),
                    organization_id: sea_orm::Set(fixture.organization),
                    user_id: sea_orm::Set(fixture.viewer),
                    assessment_type: sea_orm::Set(entity::enums::AssessmentType::Bpm),
                    version: sea_orm::Set(CURRENT_VERSION.to_owned()),
                    responses: sea_orm::Set(Json::Object(responses.clone())),
                    metadata: sea_orm::Set(json!({})),
                    status: sea_orm::Set(entity::enums::AssessmentStatus::InProgress),
                    completed_at: sea_orm::Set(None),
                    created_at: sea_orm::Set(now),
                    updated_at: sea_orm::Set(now),
                }
            })
            .collect();
        sea_orm::EntityTrait::insert_many::<entity::assessments::ActiveModel, _>(batch)
            .exec(db)
            .await?;
    }
    Ok(ids)
}

pub fn global_id(kind: &str, id: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}
