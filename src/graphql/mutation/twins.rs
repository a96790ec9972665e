//! `recomputeDigitalTwin`.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::MemberRole as StoredRole;

use super::Mutating;
use super::organizations::organization_key;
use crate::graphql::guards::{RoleOver, Target, reference};
use crate::graphql::types::DigitalTwin;
use crate::service::twins;

/// The organisation whose twin to recompute.
#[derive(InputObject)]
pub struct RecomputeDigitalTwinInput {
    /// The organisation.
    pub organization_id: ID,
}

/// The twin after recomputation.
#[derive(SimpleObject)]
pub struct RecomputeDigitalTwinPayload {
    /// The twin; `null` while the organisation has no scored assessment to build one from.
    pub digital_twin: Option<DigitalTwin>,
    /// Whether the twin changed (and a `change` snapshot was written).
    pub changed: bool,
}

#[derive(Default)]
pub struct TwinMutations;

#[Object]
impl TwinMutations {
    /// Recomputes an organisation's digital twin from its assessments now, as every
    /// submission, archive and departure already does. Admins and owners.
    #[graphql(
        guard = "RoleOver::new(Target::Organization(input.organization_id.clone()), StoredRole::Admin, \"input.organizationId\")"
    )]
    async fn recompute_digital_twin(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation whose twin to recompute.")]
        input: RecomputeDigitalTwinInput,
    ) -> Result<RecomputeDigitalTwinPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = organization_key(&input.organization_id)?;
        let recomputed =
            twins::recompute_now(mutating.db, reference(ctx)?.scale(), mutating.actor(), id)
                .await?;
        Ok(RecomputeDigitalTwinPayload {
            digital_twin: recomputed
                .twin
                .map(|twin| DigitalTwin(Arc::new((&twin).into()))),
            changed: recomputed.changed,
        })
    }
}
