//! The tamper-evident audit log: one row per change, written in the change's own transaction.
//!
//! Each row's `hash` is `SHA-256(previous row's hash ‖ canonical row content)`, so editing or
//! removing a row breaks the chain from the next row on, and [`verify`] names the first broken
//! row. Removing rows from the *end* leaves a shorter chain that is still whole; that is caught
//! against an [`Anchor`] (a row's id and hash recorded elsewhere by an earlier verification). Personal values are replaced by keyed hashes before they are written
//! ([`Pseudonymizer`]), so erasing a person never has to rewrite history. `ip_address` is kept
//! outside the hashed content: retention may generalise it later.

mod canonical;
mod pseudonym;

use std::net::IpAddr;
use std::sync::OnceLock;

use chrono::{DateTime, SubsecRound, Utc};
use entity::audit_log;
use entity::enums::AuditOperation;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, NotSet, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use canonical::canonical_json;
pub use pseudonym::Pseudonymizer;

/// Who asked for a change, and from where.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// Correlates the audit row with the request's logs.
    pub request_id: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

/// Where a request came from, as it arrived. Its [`RequestMeta`] is made on first use: only
/// changes are audited, and a new request id costs a random draw that reads never need.
#[derive(Debug)]
pub struct RequestOrigin {
    /// A sane `x-request-id` from the client or proxy.
    request_id: Option<String>,
    client: Option<IpAddr>,
    user_agent: Option<String>,
    meta: OnceLock<RequestMeta>,
}

impl RequestOrigin {
    pub fn new(
        request_id: Option<String>,
        client: Option<IpAddr>,
        user_agent: Option<String>,
    ) -> Self {
        Self {
            request_id,
            client,
            user_agent,
            meta: OnceLock::new(),
        }
    }

    /// The request's metadata, the same for every change it makes: its id is the client's
    /// when it sent one, else a new one.
    pub fn meta(&self) -> &RequestMeta {
        self.meta.get_or_init(|| RequestMeta {
            request_id: self
                .request_id
                .clone()
                .unwrap_or_else(|| Uuid::now_v7().to_string()),
            ip_address: self.client.map(|address| address.to_string()),
            user_agent: self.user_agent.clone(),
        })
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change {
    pub organization_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub table_name: &'static str,
    pub record_id: String,
    pub operation: AuditOperation,
    /// The row before the change (`None` for an insert).
    pub old_values: Option<Value>,
    /// The row after the change (`None` for a delete).
    pub new_values: Option<Value>,
}

/// Appends `change` to the chain inside `tx`, the change's own transaction.
///
/// Appends are serialised so the chain never forks: on PostgreSQL by a transaction-scoped
/// advisory lock, on SQLite by its single writer (the change itself was written first, so the
/// transaction already holds the write lock).
pub async fn append(
    tx: &impl ConnectionTrait,
    pseudonymizer: &Pseudonymizer,
    change: Change,
    request: &RequestMeta,
) -> Result<audit_log::Model, DbErr> {
    serialise_appends(tx).await?;
    let previous = audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Hash)
        .order_by_desc(audit_log::Column::Id)
        .limit(1)
        .into_tuple::<String>()
        .one(tx)
        .await?;
    let organization_sequence = match change.organization_id {
        Some(organization_id) => Some(next_organization_sequence(tx, organization_id).await?),
        None => None,
    };
    let row = Row {
        created_at: Utc::now().trunc_subsecs(6),
        organization_id: change.organization_id,
        actor_user_id: change.actor_user_id,
        table_name: change.table_name.to_owned(),
        record_id: Some(change.record_id),
        operation: change.operation,
        old_values: change.old_values.map(|values| pseudonymizer.mask(values)),
        new_values: change.new_values.map(|values| pseudonymizer.mask(values)),
        request_id: Some(request.request_id.clone()),
        // Inside the hashed content, so pseudonymised now: it could never be erased later.
        user_agent: request
            .user_agent
            .as_deref()
            .map(|agent| pseudonymizer.text(agent)),
        session_id: None,
    };
    let hash = chain_hash(previous.as_deref(), &row);
    audit_log::ActiveModel {
        id: NotSet,
        created_at: Set(row.created_at),
        organization_id: Set(row.organization_id),
        organization_sequence: Set(organization_sequence),
        actor_user_id: Set(row.actor_user_id),
        table_name: Set(row.table_name),
        record_id: Set(row.record_id),
        operation: Set(row.operation),
        old_values: Set(row.old_values),
        new_values: Set(row.new_values),
        request_id: Set(row.request_id),
        ip_address: Set(request.ip_address.clone()),
        user_agent: Set(row.user_agent),
        session_id: Set(row.session_id),
        prev_hash: Set(previous),
        hash: Set(hash),
    }
    .insert(tx)
    .await
}

/// The next place in an organisation's log; appends are serialised, so no two take the same.
async fn next_organization_sequence(
    tx: &impl ConnectionTrait,
    organization_id: Uuid,
) -> Result<i64, DbErr> {
    let last = audit_log::Entity::find()
        .select_only()
        .expr(audit_log::Column::OrganizationSequence.max())
        .filter(audit_log::Column::OrganizationId.eq(organization_id))
        .into_tuple::<Option<i64>>()
        .one(tx)
        .await?
        .flatten();
    Ok(last.unwrap_or(0) + 1)
}

/// A row known to be in the chain, as `<id>:<hash>`: record the head an intact verification
/// reports, and pass it to a later one to prove no row was removed from the end since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub id: i64,
    pub hash: String,
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}:{}", self.id, self.hash)
    }
}

impl std::str::FromStr for Anchor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (id, hash) = text.split_once(':').ok_or("expected <id>:<hash>")?;
        let id = id.parse().map_err(|_| "the id must be a number")?;
        if hash.len() != 64 || !hash.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err("the hash must be 64 hex digits".into());
        }
        Ok(Self {
            id,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every row's hash matches; `rows` were checked; `head` is the newest row.
    Intact { rows: u64, head: Option<Anchor> },
    /// The first row whose `prev_hash` or `hash` does not match, or the anchor that is gone.
    Broken { id: i64, reason: &'static str },
}

/// Walks the whole chain in order, a page at a time.
pub async fn verify(db: &DatabaseConnection) -> Result<Verification, DbErr> {
    verify_anchored(db, None).await
}

/// Like [`verify`], and also requires `anchor` to still be in the chain unchanged.
pub async fn verify_anchored(
    db: &DatabaseConnection,
    anchor: Option<&Anchor>,
) -> Result<Verification, DbErr> {
    const PAGE: u64 = 1_000;
    let mut previous: Option<String> = None;
    let mut after = i64::MIN;
    let mut rows = 0;
    let mut anchor_seen = false;
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Id.gt(after))
            .order_by_asc(audit_log::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else {
            let head = previous.map(|hash| Anchor { id: after, hash });
            let anchored = anchor.is_none() || anchor_seen;
            return Ok(if anchored {
                Verification::Intact { rows, head }
            } else {
                Verification::Broken {
                    id: anchor.map_or(after, |anchor| anchor.id),
                    reason: "the anchored row is gone or changed: rows were removed from the end",
                }
            });
        };
        after = last.id;
        for stored in page {
            if anchor.is_some_and(|anchor| anchor.id == stored.id && anchor.hash == stored.hash) {
                anchor_seen = true;
            }
            if stored.prev_hash != previous {
                return Ok(Verification::Broken {
                    id: stored.id,
                    reason: "its prev_hash is not the previous row's hash",
                });
            }
            if chain_hash(previous.as_deref(), &Row::from(&stored)) != stored.hash {
                return Ok(Verification::Broken {
                    id: stored.id,
                    reason: "its content does not match its hash",
                });
            }
            previous = Some(stored.hash);
            rows += 1;
        }
    }
}

/// How many audit rows there are (for tests and the CLI).
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    audit_log::Entity::find().count(db).await
}

/// The hashed part of a row: everything but `id`, `ip_address` and the hashes themselves.
struct Row {
    created_at: DateTime<Utc>,
    organization_id: Option<Uuid>,
    actor_user_id: Option<Uuid>,
    table_name: String,
    record_id: Option<String>,
    operation: AuditOperation,
    old_values: Option<Value>,
    new_values: Option<Value>,
    request_id: Option<String>,
    user_agent: Option<String>,
    session_id: Option<String>,
}

impl From<&audit_log::Model> for Row {
    fn from(stored: &audit_log::Model) -> Self {
        Self {
            created_at: stored.created_at,
            organization_id: stored.organization_id,
            actor_user_id: stored.actor_user_id,
            table_name: stored.table_name.clone(),
            record_id: stored.record_id.clone(),
            operation: stored.operation,
            old_values: stored.old_values.clone(),
            new_values: stored.new_values.clone(),
            request_id: stored.request_id.clone(),
            user_agent: stored.user_agent.clone(),
            session_id: stored.session_id.clone(),
        }
    }
}

fn chain_hash(previous: Option<&str>, row: &Row) -> String {
    let content = json!({
        "created_at": row.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "organization_id": row.organization_id,
        "actor_user_id": row.actor_user_id,
        "table_name": row.table_name,
        "record_id": row.record_id,
        "operation": row.operation.as_str(),
        "old_values": row.old_values,
        "new_values": row.new_values,
        "request_id": row.request_id,
        "user_agent": row.user_agent,
        "session_id": row.session_id,
    });
    let mut hasher = Sha256::new();
    hasher.update(previous.unwrap_or_default().as_bytes());
    hasher.update(canonical_json(&content).as_bytes());
    format!("{:x}", hasher.finalize())
}

/// Makes concurrent appends (audit rows, outbox events) take turns until their transactions end.
pub(crate) async fn serialise_appends(tx: &impl ConnectionTrait) -> Result<(), DbErr> {
    if tx.get_database_backend() == DbBackend::Postgres {
        // An arbitrary, fixed key: "orgraph audit" in ASCII, truncated to 63 bits.
        tx.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(8319107526651049332)",
        ))
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_has_one_id_for_all_its_changes() {
        let origin = RequestOrigin::new(None, Some(IpAddr::from([10, 0, 0, 7])), None);
        let first = origin.meta().request_id.clone();
        assert!(Uuid::parse_str(&first).is_ok(), "{first}");
        assert_eq!(origin.meta().request_id, first);
        assert_eq!(origin.meta().ip_address.as_deref(), Some("10.0.0.7"));
        let named = RequestOrigin::new(Some("req-42".into()), None, Some("curl".into()));
        assert_eq!(named.meta().request_id, "req-42");
        assert_eq!(named.meta().user_agent.as_deref(), Some("curl"));
        assert_eq!(named.meta().ip_address, None);
    }
}
