//! The baseline: the same data as orgraph's `lookup`, `dashboard` and `members`, read by the
//! fewest statements a careful engineer would write by hand (1, 3 and 2, each with the
//! membership check folded in), JSON built in Rust, behind the same token check. It runs in a
//! process of its own (`bench serve baseline`) with a pool made like orgraph's.

use std::net::SocketAddr;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use orgraph::auth::token::TokenKeys;
use orgraph::startup::STATEMENTS_HEADER;
use sea_orm::{DatabaseConnection, QueryResult, Value};
use serde_json::{Value as Json_, json};
use uuid::Uuid;

use crate::sql::query;

#[derive(Clone)]
struct Baseline {
    db: DatabaseConnection,
    keys: TokenKeys,
}

/// Serves the baseline on `listen` until the process is stopped.
pub async fn serve(
    db: DatabaseConnection,
    keys: TokenKeys,
    listen: SocketAddr,
) -> anyhow::Result<()> {
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/lookup", get(baseline_lookup))
        .route("/dashboard", get(baseline_dashboard))
        .route("/members", get(baseline_members))
        .with_state(Baseline { db, keys });
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, router).await?;
    Ok(())
}

type Params = Query<std::collections::HashMap<String, String>>;

/// The token's user, as a careful engineer would check it: verify the JWT, nothing more; the
/// membership check is folded into each data query.
fn user_of(state: &Baseline, headers: &HeaderMap) -> Option<Uuid> {
    let token = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    state.keys.verify(token).ok().map(|claims| claims.sub)
}

fn uuid_param(params: &Params, name: &str) -> Option<Uuid> {
    params.get(name).and_then(|value| value.parse().ok())
}

/// The answer, with the number of statements it took in orgraph's header.
fn respond(result: anyhow::Result<(usize, Json_)>) -> Response {
    match result {
        Ok((statements, body)) => (
            [(STATEMENTS_HEADER, statements.to_string())],
            Json(json!({ "data": body })),
        )
            .into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

const MEMBER_OF: &str = "organization_id IN (SELECT organization_id FROM organization_members \
                         WHERE user_id = ? AND status = 'active')";

async fn baseline_lookup(
    State(state): State<Baseline>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    let (Some(user), Some(id)) = (user_of(&state, &headers), uuid_param(&params, "id")) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    respond(async {
        let sql = format!(
            "SELECT a.id, a.assessment_type, a.status, a.completed_at, s.overall_score, s.bracket, \
             s.confidence, s.maturity_level, l.name AS level_name \
             FROM assessments a LEFT JOIN assessment_scores s ON s.assessment_id = a.id \
             LEFT JOIN maturity_levels l ON l.level = s.maturity_level \
             WHERE a.id = ? AND a.{MEMBER_OF}"
        );
        let rows = query(&state.db, &sql, [id.into(), user.into()]).await?;
        Ok((1, rows.first().map_or(Json_::Null, row_json)))
    }
    .await)
}

async fn baseline_dashboard(
    State(state): State<Baseline>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    let (Some(user), Some(organization)) = (
        user_of(&state, &headers),
        uuid_param(&params, "organization"),
    ) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    respond(async {
        let head = query(
            &state.db,
            "SELECT o.id, o.name, t.id AS twin_id, t.maturity_score, t.ai_readiness_score \
             FROM organizations o LEFT JOIN organization_digital_twins t ON t.organization_id = o.id \
             WHERE o.id = ? AND o.deleted_at IS NULL AND o.id IN (SELECT organization_id \
             FROM organization_members WHERE user_id = ? AND status = 'active')",
            [organization.into(), user.into()],
        )
        .await?;
        let Some(head) = head.first() else {
            return Ok((1, Json_::Null));
        };
        let assessments = query(
            &state.db,
            "SELECT a.id, a.assessment_type, a.status, a.created_at, u.id AS respondent_id, \
             u.first_name, u.last_name, s.overall_score, s.bracket \
             FROM assessments a JOIN users u ON u.id = a.user_id \
             LEFT JOIN assessment_scores s ON s.assessment_id = a.id \
             WHERE a.organization_id = ? ORDER BY a.created_at DESC, a.id DESC LIMIT 20",
            [organization.into()],
        )
        .await?;
        let twin: Option<Uuid> = head.try_get("", "twin_id")?;
        let statements = 2 + usize::from(twin.is_some());
        let snapshots = match twin {
            Some(twin) => query(
                &state.db,
                "SELECT captured_at, maturity_score, ai_readiness_score FROM digital_twin_snapshots \
                 WHERE twin_id = ? ORDER BY captured_at DESC, id DESC LIMIT 12",
                [twin.into()],
            )
            .await?,
            None => Vec::new(),
        };
        Ok((
            statements,
            json!({
                "organization": row_json(head),
                "assessments": assessments.iter().map(row_json).collect::<Vec<_>>(),
                "snapshots": snapshots.iter().map(row_json).collect::<Vec<_>>(),
            }),
        ))
    }
    .await)
}

async fn baseline_members(
    State(state): State<Baseline>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    let (Some(user), Some(organization)) = (
        user_of(&state, &headers),
        uuid_param(&params, "organization"),
    ) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let members: i64 = params
        .get("members")
        .and_then(|value| value.parse().ok())
        .unwrap_or(50);
    respond(async {
        let people = query(
            &state.db,
            &format!(
                "SELECT m.role, u.id, u.first_name, u.last_name FROM organization_members m \
                 JOIN users u ON u.id = m.user_id WHERE m.organization_id = ? AND m.{MEMBER_OF} \
                 ORDER BY m.joined_at, m.id LIMIT ?"
            ),
            [organization.into(), user.into(), members.into()],
        )
        .await?;
        let ids: Vec<Uuid> = people.iter().map(|row| row.try_get("", "id")).collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok((1, json!([])));
        }
        let placeholders = vec!["?"; ids.len()].join(", ");
        let mut values: Vec<Value> = ids.iter().map(|id| (*id).into()).collect();
        values.push(organization.into());
        let assessments = query(
            &state.db,
            &format!(
                "SELECT * FROM (SELECT a.id, a.user_id, a.assessment_type, a.created_at, s.overall_score, \
                 s.bracket, row_number() OVER (PARTITION BY a.user_id ORDER BY a.created_at DESC, a.id DESC) AS n \
                 FROM assessments a LEFT JOIN assessment_scores s ON s.assessment_id = a.id \
                 WHERE a.user_id IN ({placeholders}) AND a.organization_id = ?) latest WHERE n <= 5"
            ),
            values,
        )
        .await?;
        let mut by_user: std::collections::HashMap<Uuid, Vec<Json_>> = std::collections::HashMap::new();
        for row in &assessments {
            by_user.entry(row.try_get("", "user_id")?).or_default().push(row_json(row));
        }
        Ok((2, Json_::Array(
            people
                .iter()
                .map(|person| {
                    let id: Uuid = person.try_get("", "id").unwrap_or_default();
                    let mut entry = row_json(person);
                    entry["assessments"] = Json_::Array(by_user.remove(&id).unwrap_or_default());
                    entry
                })
                .collect(),
        )))
    }
    .await)
}

/// A row as JSON, column by column, reading each value as the type it is stored as.
fn row_json(row: &QueryResult) -> Json_ {
    let mut object = serde_json::Map::new();
    for column in row.column_names() {
        let value = if let Ok(Some(text)) = row.try_get::<Option<String>>("", &column) {
            json!(text)
        } else if let Ok(Some(uuid)) = row.try_get::<Option<Uuid>>("", &column) {
            json!(uuid)
        } else if let Ok(Some(number)) = row.try_get::<Option<rust_decimal::Decimal>>("", &column) {
            json!(number)
        } else if let Ok(Some(time)) =
            row.try_get::<Option<chrono::DateTime<chrono::Utc>>>("", &column)
        {
            json!(time)
        } else if let Ok(Some(int)) = row.try_get::<Option<i64>>("", &column) {
            json!(int)
        } else {
            Json_::Null
        };
        object.insert(column, value);
    }
    Json_::Object(object)
}
