//! Erasing a person (the right to be forgotten): the registry's strategy applied to every
//! registered location in every row about them, in one transaction per batch of rows; then
//! the person becomes a tombstone (`anonymized_at`), their memberships end and their tokens
//! stop working. Scores, twins and benchmarks keep their figures: only identity goes.
//!
//! A row is about the person when one of its columns references them (the entities'
//! relations to `users`, read by [`tables`]) or when it is an invitation addressed to their
//! email. Free text in the rows of the organisations they belonged to is searched too, for
//! their identifiers only (another person's answer may name them; it keeps everything else).
//!
//! The same plan runs dry (`dry_run`: counts only, nothing written) and for real, and a
//! second erasure finds nothing left to change.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::enums::{InvitationStatus, MemberStatus};
use entity::{data_exports, gdpr_requests, organization_invitations, organization_members, users};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Set, TransactionTrait, Value as SqlValue,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::registry::{self, PiiField, Strategy};
use super::strategy::{Identifiers, Keys, PLACEHOLDER};
use super::tables::{self, ColumnKind, TableInfo};

/// Rows changed per transaction.
const BATCH: u64 = 500;

/// What an erasure changed (or, dry, would change) in one registered location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationReport {
    pub table: &'static str,
    pub column: &'static str,
    pub strategy: &'static str,
    pub rows: u64,
}

/// An erasure's outcome, location by location, in table order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErasureReport {
    pub locations: Vec<LocationReport>,
}

impl ErasureReport {
    /// Rows changed in all locations.
    pub fn rows(&self) -> u64 {
        self.locations.iter().map(|location| location.rows).sum()
    }
}

/// How the rows of one table are chosen.
enum Rows {
    /// Rows whose link column holds the person's id, or whose email column their email.
    About(Vec<(String, SqlValue)>),
    /// The other rows of the person's organisations (free text only, searched for their
    /// identifiers): the organisation column, the organisations, and the links that make a
    /// row one about the person.
    InOrganizations(&'static str, Vec<Uuid>, Vec<(String, SqlValue)>),
}

impl Rows {
    /// The fields searched in these rows: all of them in rows about the person, the free text
    /// in other rows.
    fn searched<'f>(&self, fields: &[&'f PiiField]) -> Vec<&'f PiiField> {
        match self {
            Self::About(_) => fields.to_vec(),
            Self::InOrganizations(..) => fields
                .iter()
                .copied()
                .filter(|field| field.strategy == Strategy::Redact)
                .collect(),
        }
    }
}

/// The person being erased, and what they are known by.
pub struct Subject {
    pub id: Uuid,
    email: String,
    identifiers: Identifiers,
    organizations: Vec<Uuid>,
}

impl Subject {
    /// The person, read before anything changes; `None` when there is no such person.
    pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Self>, DbErr> {
        let Some(user) = users::Entity::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let organizations = organization_members::Entity::find()
            .filter(organization_members::Column::UserId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|member| member.organization_id)
            .collect();
        let full_name = format!("{} {}", user.first_name, user.last_name);
        let mut known: Vec<&str> = vec![&user.email, &user.first_name, &user.last_name, &full_name];
        known.extend(user.phone.as_deref());
        known.extend(user.linkedin_url.as_deref());
        let identifiers = if user.anonymized_at.is_some() {
            // What is left are placeholders and tokens, which name no one.
            Identifiers::default()
        } else {
            Identifiers::new(known)
        };
        Ok(Some(Self {
            id,
            email: user.email.to_lowercase(),
            identifiers,
            organizations,
        }))
    }

    /// What the person is known by.
    pub fn identifiers(&self) -> &Identifiers {
        &self.identifiers
    }
}

/// Erases `subject`; with `dry_run`, only counts. Returns what changed per location.
pub async fn erase(
    db: &DatabaseConnection,
    keys: &Keys,
    subject: &Subject,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<ErasureReport, DbErr> {
    let mut counts: BTreeMap<(&'static str, &'static str), (Strategy, u64)> = BTreeMap::new();
    for table in tables::all() {
        let fields: Vec<&PiiField> = registry::fields_of(table.name)
            .filter(|field| field.strategy != Strategy::Hash)
            .collect();
        if fields.is_empty() {
            continue;
        }
        for rows in row_sets(&table, subject) {
            let fields = rows.searched(&fields);
            if fields.is_empty() {
                continue;
            }
            let changed = apply(db, keys, subject, &table, &fields, &rows, dry_run).await?;
            for (field, rows) in changed {
                let entry = counts
                    .entry((field.table, field.column))
                    .or_insert((field.strategy, 0));
                entry.1 += rows;
            }
        }
    }
    if !dry_run {
        let tombstoned = tombstone(db, subject.id, keys.pseudonym(subject.id), now).await?;
        for (column, rows) in tombstoned {
            counts.entry(column).or_insert((Strategy::Nullify, 0)).1 += rows;
        }
    }
    Ok(ErasureReport {
        locations: counts
            .into_iter()
            .filter(|(_, (_, rows))| *rows > 0)
            .map(|((table, column), (strategy, rows))| LocationReport {
                table,
                column,
                strategy: strategy.as_str(),
                rows,
            })
            .collect(),
    })
}

/// The row sets of `table` that erasure searches.
fn row_sets(table: &TableInfo, subject: &Subject) -> Vec<Rows> {
    let about = table.about(subject.id, &subject.email);
    let mut sets = Vec::new();
    let organization_column = if table.name == "organizations" {
        Some("id")
    } else {
        table.column("organization_id").map(|column| column.name)
    };
    if let Some(column) = organization_column
        && !subject.organizations.is_empty()
        && !subject.identifiers.is_empty()
    {
        sets.push(Rows::InOrganizations(
            column,
            subject.organizations.clone(),
            about.clone(),
        ));
    }
    if !about.is_empty() {
        sets.insert(0, Rows::About(about));
    }
    sets
}

/// Applies `fields`' strategies to the chosen rows of `table`, batch by batch; returns the
/// rows changed per field.
async fn apply<'f>(
    db: &DatabaseConnection,
    keys: &Keys,
    subject: &Subject,
    table: &TableInfo,
    fields: &[&'f PiiField],
    rows: &Rows,
    dry_run: bool,
) -> Result<Vec<(&'f PiiField, u64)>, DbErr> {
    let key_kind = table
        .column("id")
        .map_or(ColumnKind::Other, |column| column.kind);
    let mut changed = vec![0_u64; fields.len()];
    let mut after: Option<SqlValue> = None;
    loop {
        let tx = db.begin().await?;
        let batch = read_batch(&tx, table, fields, rows, key_kind, after.clone()).await?;
        let Some((last, _)) = batch.last() else {
            break;
        };
        after = Some(last.clone());
        let full = matches!(rows, Rows::About(_));
        let read = batch.len() as u64;
        for (key, values) in batch {
            let mut update = Query::update();
            update.table(Alias::new(table.name));
            let mut any = false;
            for (position, (field, value)) in fields.iter().zip(values).enumerate() {
                let column = table.column(field.column).expect("checked registry");
                if let Some(new) = anonymised(keys, subject, field, column.nullable, &value, full) {
                    changed[position] += 1;
                    update.value(Alias::new(field.column), new);
                    any = true;
                }
            }
            if any && !dry_run {
                update.and_where(Expr::col(Alias::new("id")).eq(key));
                tx.execute(&update).await?;
            }
        }
        tx.commit().await?;
        if read < BATCH {
            break;
        }
    }
    Ok(fields.iter().copied().zip(changed).collect())
}

/// A registered value as read: text or a JSON document.
enum Stored {
    Text(Option<String>),
    Json(Option<Value>),
}

async fn read_batch(
    tx: &impl ConnectionTrait,
    table: &TableInfo,
    fields: &[&PiiField],
    rows: &Rows,
    key_kind: ColumnKind,
    after: Option<SqlValue>,
) -> Result<Vec<(SqlValue, Vec<Stored>)>, DbErr> {
    let mut select: SelectStatement = Query::select();
    select
        .from(Alias::new(table.name))
        .column(Alias::new("id"))
        .columns(fields.iter().map(|field| Alias::new(field.column)))
        .order_by(Alias::new("id"), Order::Asc)
        .limit(BATCH);
    match rows {
        Rows::About(links) => {
            let mut any = sea_orm::Condition::any();
            for (column, value) in links {
                any = any.add(Expr::col(Alias::new(column.as_str())).eq(value.clone()));
            }
            select.cond_where(any);
        }
        Rows::InOrganizations(column, organizations, about) => {
            select.and_where(Expr::col(Alias::new(*column)).is_in(organizations.iter().copied()));
            // Not the rows about the person, which the other set covers (a NULL link is no
            // link).
            for (link, value) in about {
                let link = || Expr::col(Alias::new(link.as_str()));
                select.cond_where(
                    sea_orm::Condition::any()
                        .add(link().is_null())
                        .add(link().ne(value.clone())),
                );
            }
        }
    }
    if let Some(after) = after {
        select.and_where(Expr::col(Alias::new("id")).gt(after));
    }
    let results = tx.query_all(&select).await?;
    results
        .iter()
        .map(|row| {
            let key = match key_kind {
                ColumnKind::Uuid => SqlValue::from(row.try_get_by_index::<Uuid>(0)?),
                _ => SqlValue::from(row.try_get_by_index::<i64>(0)?),
            };
            let values = fields
                .iter()
                .enumerate()
                .map(|(position, field)| {
                    let index = position + 1;
                    let kind = table.column(field.column).map(|column| column.kind);
                    Ok(if kind == Some(ColumnKind::Json) {
                        Stored::Json(row.try_get_by_index::<Option<Value>>(index)?)
                    } else {
                        Stored::Text(row.try_get_by_index::<Option<String>>(index)?)
                    })
                })
                .collect::<Result<Vec<_>, DbErr>>()?;
            Ok((key, values))
        })
        .collect()
}

/// The value to write in place of `stored`, or `None` when it already holds nothing of the
/// person. `full` rows are about the person: every strategy applies, and free text loses
/// anything shaped as an email or phone number too; other rows lose only the person's
/// identifiers.
fn anonymised(
    keys: &Keys,
    subject: &Subject,
    field: &PiiField,
    nullable: bool,
    stored: &Stored,
    full: bool,
) -> Option<SqlValue> {
    let identifiers = subject.identifiers();
    match stored {
        Stored::Text(None) | Stored::Json(None) => None,
        Stored::Json(Some(document)) => {
            let redacted = if full {
                identifiers.redact_json(document)
            } else {
                identifiers.redact_json_identifiers(document)
            };
            (redacted != *document).then(|| SqlValue::from(redacted))
        }
        Stored::Text(Some(text)) => {
            let new: Option<String> = match (field.strategy, full) {
                (Strategy::Redact, true) => Some(identifiers.redact(text)),
                (Strategy::Redact, false) => Some(identifiers.redact_identifiers(text)),
                (_, false) => return None,
                (Strategy::Nullify, true) => (!nullable).then(|| PLACEHOLDER.to_owned()),
                (Strategy::Mask, true) => Some(super::strategy::mask(text)),
                (Strategy::Pseudonymize, true) => Some(keys.pseudonym(subject.id)),
                // Emptied: the retention window of an erased person is over.
                (Strategy::Generalize, true) => None,
                (Strategy::Hash, true) => return None,
            };
            match new {
                Some(new) if new == *text => None,
                Some(new) => Some(SqlValue::from(new)),
                None => Some(SqlValue::String(None)),
            }
        }
    }
}

/// Marks the person erased, ends their memberships and withdraws the invitations addressed to
/// them; returns rows changed per location.
async fn tombstone(
    db: &DatabaseConnection,
    person: Uuid,
    pseudonym: String,
    now: DateTime<Utc>,
) -> Result<Vec<((&'static str, &'static str), u64)>, DbErr> {
    let tx = db.begin().await?;
    let mut changed = Vec::new();
    if let Some(user) = users::Entity::find_by_id(person).one(&tx).await?
        && user.anonymized_at.is_none()
    {
        let deleted_at = user.deleted_at.unwrap_or(now);
        let mut user = user.into_active_model();
        user.anonymized_at = Set(Some(now));
        user.deleted_at = Set(Some(deleted_at));
        user.updated_at = Set(now);
        user.update(&tx).await?;
        changed.push((("users", "anonymized_at"), 1));
    }
    let ended = organization_members::Entity::update_many()
        .col_expr(
            organization_members::Column::Status,
            Expr::val(MemberStatus::Suspended.as_str()),
        )
        .col_expr(organization_members::Column::UpdatedAt, Expr::val(now))
        .filter(organization_members::Column::UserId.eq(person))
        .filter(organization_members::Column::Status.ne(MemberStatus::Suspended))
        .exec(&tx)
        .await?;
    changed.push((("organization_members", "status"), ended.rows_affected));
    // Invitations are addressed by email, which erasure has just replaced by the person's
    // token; an open one must not be acceptable by whoever holds the link.
    let pseudonym_invitations = organization_invitations::Entity::update_many()
        .col_expr(
            organization_invitations::Column::Status,
            Expr::val(InvitationStatus::Revoked.as_str()),
        )
        .col_expr(
            organization_invitations::Column::RespondedAt,
            Expr::val(now),
        )
        .col_expr(organization_invitations::Column::UpdatedAt, Expr::val(now))
        .filter(organization_invitations::Column::InviteeEmail.eq(pseudonym))
        .filter(organization_invitations::Column::Status.eq(InvitationStatus::Pending))
        .exec(&tx)
        .await?;
    changed.push((
        ("organization_invitations", "status"),
        pseudonym_invitations.rows_affected,
    ));
    // An export waiting for its download is a copy of what was just erased.
    let requests_about = Query::select()
        .column(gdpr_requests::Column::Id)
        .from(gdpr_requests::Entity)
        .and_where(gdpr_requests::Column::SubjectUserId.eq(person))
        .to_owned();
    let exports = data_exports::Entity::delete_many()
        .filter(data_exports::Column::RequestId.in_subquery(requests_about))
        .exec(&tx)
        .await?;
    changed.push((("data_exports", "archive"), exports.rows_affected));
    tx.commit().await?;
    Ok(changed)
}

/// How many registered values in the person's rows still hold one of their identifiers: the
/// proof, after an erasure, that none does. Per location, in table order.
pub async fn remaining(
    db: &DatabaseConnection,
    subject: &Subject,
) -> Result<BTreeMap<(&'static str, &'static str), u64>, DbErr> {
    let identifiers = subject.identifiers();
    let mut found = BTreeMap::new();
    for table in tables::all() {
        let fields: Vec<&PiiField> = registry::fields_of(table.name).collect();
        if fields.is_empty() {
            continue;
        }
        let key_kind = table
            .column("id")
            .map_or(ColumnKind::Other, |column| column.kind);
        for rows in row_sets(&table, subject) {
            let fields = rows.searched(&fields);
            if fields.is_empty() {
                continue;
            }
            let mut after = None;
            loop {
                let batch = read_batch(db, &table, &fields, &rows, key_kind, after).await?;
                let read = batch.len() as u64;
                after = batch.last().map(|(key, _)| key.clone());
                for (_, values) in &batch {
                    for (field, value) in fields.iter().zip(values) {
                        let holds = match value {
                            Stored::Text(Some(text)) => identifiers.found_in(text),
                            Stored::Json(Some(document)) => {
                                identifiers.found_in(&document.to_string())
                            }
                            _ => false,
                        };
                        *found.entry((field.table, field.column)).or_insert(0) += u64::from(holds);
                    }
                }
                if read < BATCH {
                    break;
                }
            }
        }
    }
    Ok(found)
}
