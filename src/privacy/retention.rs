//! Retention (`data_retention_policies`): what is kept how long, applied by the daily
//! `retention` job. Addresses in the audit log and in consent records are generalised (IPv4 to
//! its /24, IPv6 to its /48) and emptied once older than their policy's age; events past
//! theirs are written to a gzip'd JSON Lines archive and deleted; people soft-deleted longer
//! than the grace period are erased; answered or expired invitations and expired exports are
//! removed. A dry run counts what would change and changes nothing.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use entity::enums::{InvitationStatus, RetentionAction};
use entity::{
    audit_log, data_exports, data_retention_policies, events, organization_invitations,
    user_consents, users,
};
use flate2::Compression;
use flate2::write::GzEncoder;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use super::erasure::{self, Subject};
use super::strategy::{self, Keys};

/// Rows read per batch.
const BATCH: u64 = 1_000;

/// What one policy changed (or, dry, would change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionLine {
    pub entity: String,
    /// What was done: `generalized`, `emptied`, `archived`, `deleted`, `anonymized`.
    pub change: &'static str,
    pub rows: u64,
}

/// Applies the retention policies.
#[derive(Clone)]
pub struct Retention {
    keys: Keys,
    archive_dir: PathBuf,
}

impl Retention {
    /// Policies applied with `keys` (for anonymising people), archiving into `archive_dir`.
    pub fn new(keys: Keys, archive_dir: impl Into<PathBuf>) -> Self {
        Self {
            keys,
            archive_dir: archive_dir.into(),
        }
    }

    /// Applies every policy as of `now`; with `dry_run`, only counts.
    pub async fn run(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> anyhow::Result<Vec<RetentionLine>> {
        let policies = data_retention_policies::Entity::find()
            .order_by_asc(data_retention_policies::Column::Entity)
            .all(db)
            .await?;
        let mut lines = Vec::new();
        for policy in policies {
            let cutoff = now - TimeDelta::days(policy.max_age_days.into());
            let mut line = |change, rows| {
                lines.push(RetentionLine {
                    entity: policy.entity.clone(),
                    change,
                    rows,
                });
            };
            match (policy.entity.as_str(), policy.action) {
                (table @ ("audit_log" | "user_consents"), RetentionAction::Generalize) => {
                    // When the address was recorded.
                    let written_at = if table == "audit_log" {
                        audit_log::Column::CreatedAt.into_expr()
                    } else {
                        user_consents::Column::RecordedAt.into_expr()
                    };
                    let (generalized, emptied) =
                        addresses(db, Alias::new(table), written_at, cutoff, dry_run).await?;
                    line("generalized", generalized);
                    line("emptied", emptied);
                }
                ("events", RetentionAction::Delete) => {
                    let archive = policy.export_before_delete.then(|| {
                        self.archive_dir
                            .join(format!("events-{}.jsonl.gz", now.format("%Y%m%dT%H%M%SZ")))
                    });
                    let rows = old_events(db, cutoff, archive.as_deref(), dry_run).await?;
                    line(
                        if archive.is_some() {
                            "archived"
                        } else {
                            "deleted"
                        },
                        rows,
                    );
                }
                ("users", RetentionAction::Anonymize) => {
                    line(
                        "anonymized",
                        self.soft_deleted(db, cutoff, now, dry_run).await?,
                    );
                }
                ("organization_invitations", RetentionAction::Delete) => {
                    line("deleted", old_invitations(db, cutoff, dry_run).await?);
                }
                ("data_exports", RetentionAction::Delete) => {
                    let expired = data_exports::Entity::delete_many()
                        .filter(data_exports::Column::ExpiresAt.lt(cutoff));
                    let rows = if dry_run {
                        data_exports::Entity::find()
                            .filter(data_exports::Column::ExpiresAt.lt(cutoff))
                            .count(db)
                            .await?
                    } else {
                        expired.exec(db).await?.rows_affected
                    };
                    line("deleted", rows);
                }
                (entity, action) => anyhow::bail!(
                    "data_retention_policies: no way to {} `{entity}`",
                    action.as_str()
                ),
            }
        }
        Ok(lines)
    }

    /// Erases the people soft-deleted before `cutoff` and not yet anonymised.
    async fn soft_deleted(
        &self,
        db: &DatabaseConnection,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> anyhow::Result<u64> {
        let due: Vec<Uuid> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter(users::Column::DeletedAt.lt(cutoff))
            .filter(users::Column::AnonymizedAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
        if !dry_run {
            for person in &due {
                if let Some(subject) = Subject::load(db, *person).await? {
                    erasure::erase(db, &self.keys, &subject, now, false).await?;
                }
            }
        }
        Ok(due.len() as u64)
    }
}

/// Generalises the addresses of `table` written since `cutoff` and empties older ones;
/// returns (generalised, emptied).
async fn addresses(
    db: &DatabaseConnection,
    table: Alias,
    written_at: Expr,
    cutoff: DateTime<Utc>,
    dry_run: bool,
) -> anyhow::Result<(u64, u64)> {
    let ip = || Expr::col(Alias::new("ip_address"));
    let old = Condition::all()
        .add(ip().is_not_null())
        .add(written_at.clone().lt(cutoff));
    let emptied = if dry_run {
        count(db, &table, old).await?
    } else {
        let mut update = Query::update();
        update
            .table(table.clone())
            .value(Alias::new("ip_address"), Option::<String>::None)
            .cond_where(old);
        db.execute(&update).await?.rows_affected()
    };
    // Addresses not yet generalised: a generalised one names its network (`/24`, `/48`).
    let raw = Condition::all()
        .add(ip().is_not_null())
        .add(ip().not_like("%/%"))
        .add(written_at.gte(cutoff));
    let mut select = Query::select();
    select
        .from(table.clone())
        .column(Alias::new("id"))
        .column(Alias::new("ip_address"))
        .cond_where(raw);
    let rows = db.query_all(&select).await?;
    let mut generalized = 0;
    for row in rows {
        let address: String = row.try_get_by_index(1)?;
        let general = strategy::generalize_ip(&address);
        if general == address {
            continue;
        }
        generalized += 1;
        if dry_run {
            continue;
        }
        let mut update = Query::update();
        update
            .table(table.clone())
            .value(Alias::new("ip_address"), general);
        // Keys differ by table (a sequence, a UUID): compare as the row gave it.
        update.and_where(Expr::col(Alias::new("id")).eq(key(&row)?));
        db.execute(&update).await?;
    }
    Ok((generalized, emptied))
}

fn key(row: &sea_orm::QueryResult) -> Result<sea_orm::Value, sea_orm::DbErr> {
    match row.try_get_by_index::<Uuid>(0) {
        Ok(id) => Ok(id.into()),
        Err(_) => Ok(row.try_get_by_index::<i64>(0)?.into()),
    }
}

async fn count(
    db: &DatabaseConnection,
    table: &Alias,
    condition: Condition,
) -> Result<u64, sea_orm::DbErr> {
    let mut select = Query::select();
    select
        .from(table.clone())
        .expr(Expr::col(Alias::new("id")).count())
        .cond_where(condition);
    let row = db.query_one(&select).await?;
    Ok(row
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0)
        .try_into()
        .unwrap_or(0))
}

/// Archives (when `archive` names a file) and deletes the events written before `cutoff`, in
/// batches: a batch is deleted only once it is in the file.
async fn old_events(
    db: &DatabaseConnection,
    cutoff: DateTime<Utc>,
    archive: Option<&Path>,
    dry_run: bool,
) -> anyhow::Result<u64> {
    let old = || events::Entity::find().filter(events::Column::CreatedAt.lt(cutoff));
    if dry_run {
        return Ok(old().count(db).await?);
    }
    // Opened with the first batch: a day with nothing to archive leaves no file.
    let mut file: Option<GzEncoder<File>> = None;
    let mut moved = 0;
    loop {
        let batch = old()
            .order_by_asc(events::Column::Sequence)
            .limit(BATCH)
            .all(db)
            .await?;
        let Some(last) = batch.last().map(|event| event.sequence) else {
            break;
        };
        if let Some(path) = archive {
            if file.is_none() {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                file = Some(GzEncoder::new(File::create(path)?, Compression::default()));
            }
            let file = file.as_mut().expect("opened above");
            for event in &batch {
                serde_json::to_writer(&mut *file, &archived(event))?;
                file.write_all(b"\n")?;
            }
            file.flush()?;
        }
        events::Entity::delete_many()
            .filter(events::Column::CreatedAt.lt(cutoff))
            .filter(events::Column::Sequence.lte(last))
            .exec(db)
            .await?;
        moved += batch.len() as u64;
    }
    if let Some(file) = file {
        file.finish()?.sync_all()?;
    }
    Ok(moved)
}

/// An event as one archive line.
fn archived(event: &events::Model) -> serde_json::Value {
    serde_json::json!({
        "sequence": event.sequence,
        "id": event.id,
        "organization_id": event.organization_id,
        "actor_user_id": event.actor_user_id,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "event_type": event.event_type,
        "payload": event.payload,
        "created_at": event.created_at,
    })
}

/// Deletes invitations answered, or expired, before `cutoff`.
async fn old_invitations(
    db: &DatabaseConnection,
    cutoff: DateTime<Utc>,
    dry_run: bool,
) -> anyhow::Result<u64> {
    let done = Condition::any()
        .add(organization_invitations::Column::RespondedAt.lt(cutoff))
        .add(
            Condition::all()
                .add(organization_invitations::Column::Status.eq(InvitationStatus::Pending))
                .add(organization_invitations::Column::ExpiresAt.lt(cutoff)),
        )
        .add(
            Condition::all()
                .add(organization_invitations::Column::Status.eq(InvitationStatus::Expired))
                .add(organization_invitations::Column::ExpiresAt.lt(cutoff)),
        );
    Ok(if dry_run {
        organization_invitations::Entity::find()
            .filter(done)
            .count(db)
            .await?
    } else {
        organization_invitations::Entity::delete_many()
            .filter(done)
            .exec(db)
            .await?
            .rows_affected
    })
}
