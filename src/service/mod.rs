//! Application services: each mutation is one function and one transaction. It checks the
//! actor's role with a fresh read, validates before writing, makes the change, and records one
//! audit row and one outbox event in the same transaction, so a failure anywhere leaves the
//! database exactly as it was. No GraphQL here: resolvers call these.

pub mod assessments;
pub mod benchmarks;
pub mod consents;
pub mod data_requests;
pub mod invitations;
pub mod members;
pub mod organizations;
pub mod profile;
mod receipts;
pub mod twins;

use entity::enums::{MemberRole, MemberStatus};
use entity::organization_members;
use entity::organizations as organization_rows;
use sea_orm::sea_query::LockType;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, QuerySelect, SqlErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::audit::{self, Change, Pseudonymizer, RequestMeta};
use crate::auth::viewer::Viewer;
use crate::domain::validation::Invalid;
use crate::error::AppError;
use crate::events::{self, NewEvent};

pub use receipts::ClientMutationId;

/// Who is changing something, in which request.
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    pub viewer: &'a Viewer,
    pub request: &'a RequestMeta,
    pub pseudonymizer: &'a Pseudonymizer,
}

impl Actor<'_> {
    fn user_id(&self) -> Uuid {
        self.viewer.user_id
    }
}

/// Opens a mutation's transaction. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a transaction that read first and wrote later would fail instead of waiting
/// when another writer got in between.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, AppError> {
    Ok(begin_writing(db).await?)
}

/// [`begin`] for work that fails only with database errors.
async fn begin_writing(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Records a mutation's audit row and outbox event inside its transaction.
async fn journal(
    tx: &DatabaseTransaction,
    actor: Actor<'_>,
    change: Change,
    event: NewEvent,
) -> Result<(), AppError> {
    audit::append(tx, actor.pseudonymizer, change, actor.request).await?;
    events::append(tx, event).await?;
    Ok(())
}

/// A stored row as audit values.
fn values(row: &impl Serialize) -> Option<Value> {
    serde_json::to_value(row).ok()
}

/// The actor's role in an organisation, read inside the transaction (and, on PostgreSQL, with
/// the organisation row locked, so concurrent membership changes take turns). Not a member, or
/// the organisation is gone: `NOT_FOUND`, exactly as for an organisation that never existed.
/// A weaker role than `weakest`: `FORBIDDEN`. Platform admins act as owners.
async fn require_role(
    tx: &DatabaseTransaction,
    actor: Actor<'_>,
    organization_id: Uuid,
    weakest: MemberRole,
) -> Result<(organization_rows::Model, MemberRole), AppError> {
    let organization = lock_organization(tx, organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let membership = organization_members::Entity::find()
        .filter(organization_members::Column::OrganizationId.eq(organization_id))
        .filter(organization_members::Column::UserId.eq(actor.user_id()))
        .filter(organization_members::Column::Status.eq(MemberStatus::Active))
        .one(tx)
        .await?;
    let role = match membership {
        Some(membership) => membership.role,
        None if actor.viewer.is_platform_admin() => MemberRole::Owner,
        None => return Err(AppError::NotFound),
    };
    if role.is_at_least(weakest) {
        Ok((organization, role))
    } else {
        Err(AppError::RoleTooWeak {
            needed: weakest,
            held: role,
        })
    }
}

/// Reads an organisation that is not deleted, on PostgreSQL with its row locked so that changes
/// to it take turns until the transaction ends (SQLite's single writer already does).
async fn lock_organization(
    tx: &DatabaseTransaction,
    organization_id: Uuid,
) -> Result<Option<organization_rows::Model>, DbErr> {
    let mut organization = organization_rows::Entity::find_by_id(organization_id)
        .filter(organization_rows::Column::DeletedAt.is_null());
    if tx.get_database_backend() == DbBackend::Postgres {
        // NO KEY UPDATE, not UPDATE: rows inserted later in this or another transaction hold
        // KEY SHARE locks on the organisation through their foreign keys, and must not wait on
        // this lock while it waits on the audit chain's.
        organization = organization.lock(LockType::NoKeyUpdate);
    }
    organization.one(tx).await
}

/// `BAD_USER_INPUT` naming the input field.
fn invalid(field: &str) -> impl FnOnce(Invalid) -> AppError + '_ {
    move |Invalid(message)| AppError::BadUserInput {
        message: format!("`{field}` {message}"),
        field: Some(field.to_owned()),
    }
}

/// A unique-constraint violation as `CONFLICT`, anything else as an internal error.
fn conflict_on_unique(message: &str) -> impl FnOnce(DbErr) -> AppError + '_ {
    move |error| match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(message.to_owned()),
        _ => AppError::from(error),
    }
}
