//! Idempotent creates: a create-style mutation repeated by the same person with the same
//! `clientMutationId` returns the first result and writes nothing new.

use chrono::Utc;
use entity::mutation_receipts;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::canonical_json;
use crate::error::AppError;

const FIELD: &str = "input.clientMutationId";

/// A client's id for one run of a create-style mutation.
#[derive(Debug, Clone)]
pub struct ClientMutationId<'a> {
    /// The mutation's GraphQL name.
    pub mutation: &'static str,
    pub id: Option<&'a str>,
    /// The input that identifies the request (what it creates, where).
    pub request: Value,
}

impl ClientMutationId<'_> {
    /// The id of what an earlier run with this client id created, if there was one.
    pub(super) async fn previous(
        &self,
        tx: &DatabaseTransaction,
        user_id: Uuid,
    ) -> Result<Option<Uuid>, AppError> {
        let Some(id) = self.checked_id()? else {
            return Ok(None);
        };
        let Some(receipt) = mutation_receipts::Entity::find()
            .filter(mutation_receipts::Column::UserId.eq(user_id))
            .filter(mutation_receipts::Column::ClientMutationId.eq(id))
            .one(tx)
            .await?
        else {
            return Ok(None);
        };
        if receipt.mutation != self.mutation || receipt.request_hash != self.request_hash() {
            return Err(AppError::BadUserInput {
                message: format!("`{FIELD}` was already used for another request"),
                field: Some(FIELD.to_owned()),
            });
        }
        receipt
            .record_id
            .parse()
            .map(Some)
            .map_err(|_| AppError::Internal(anyhow::anyhow!("receipt {} is corrupt", receipt.id)))
    }

    /// Remembers what this run created.
    pub(super) async fn keep(
        &self,
        tx: &DatabaseTransaction,
        user_id: Uuid,
        record_id: Uuid,
    ) -> Result<(), AppError> {
        let Some(id) = self.checked_id()? else {
            return Ok(());
        };
        mutation_receipts::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            client_mutation_id: Set(id.to_owned()),
            mutation: Set(self.mutation.to_owned()),
            record_id: Set(record_id.to_string()),
            request_hash: Set(self.request_hash()),
            created_at: Set(Utc::now()),
        }
        .insert(tx)
        .await?;
        Ok(())
    }

    fn request_hash(&self) -> String {
        format!(
            "{:x}",
            Sha256::digest(canonical_json(&self.request).as_bytes())
        )
    }

    fn checked_id(&self) -> Result<Option<&str>, AppError> {
        match self.id {
            Some(id) if id.is_empty() || id.chars().count() > 200 => Err(AppError::BadUserInput {
                message: format!("`{FIELD}` must be 1 to 200 characters"),
                field: Some(FIELD.to_owned()),
            }),
            other => Ok(other),
        }
    }
}
