//! `createOrganization`, `updateOrganization`, `deleteOrganization`.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use entity::enums::MemberRole as StoredRole;
use uuid::Uuid;

use super::Mutating;
use crate::graphql::enums::CompanySize;
use crate::graphql::guards::{RoleOver, Target, refresh_viewer};
use crate::graphql::id::{GlobalId, NodeKind};
use crate::graphql::types::Organization;
use crate::service::organizations::{NewOrganization, OrganizationChanges};
use crate::service::{ClientMutationId, organizations};

/// A new organisation; the viewer becomes its owner.
#[derive(InputObject)]
pub struct CreateOrganizationInput {
    /// Repeat a create with the same id to get the first result back instead of a second one.
    pub client_mutation_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Unique, URL-safe name: 2–63 lowercase letters, digits and single hyphens.
    pub slug: String,
    /// The industry, free text.
    pub industry: Option<String>,
    /// The headcount band.
    pub company_size: Option<CompanySize>,
}

/// The organisation created.
#[derive(SimpleObject)]
pub struct CreateOrganizationPayload {
    /// The id the client sent.
    pub client_mutation_id: Option<String>,
    /// The new organisation.
    pub organization: Organization,
}

/// Changes to an organisation; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// The organisation to change.
    pub organization_id: ID,
    /// A new display name.
    pub name: Option<String>,
    /// A new industry; an empty string clears it.
    pub industry: Option<String>,
    /// A new headcount band.
    pub company_size: Option<CompanySize>,
    /// New settings, replacing the old ones (a JSON object).
    pub settings: Option<Json<serde_json::Value>>,
}

/// The organisation as it is now.
#[derive(SimpleObject)]
pub struct UpdateOrganizationPayload {
    /// The changed organisation.
    pub organization: Organization,
}

/// The organisation to delete.
#[derive(InputObject)]
pub struct DeleteOrganizationInput {
    /// The organisation to delete.
    pub organization_id: ID,
}

/// What was deleted.
#[derive(SimpleObject)]
pub struct DeleteOrganizationPayload {
    /// The deleted organisation's ID; it no longer resolves.
    pub deleted_organization_id: ID,
}

#[derive(Default)]
pub struct OrganizationMutations;

#[Object]
impl OrganizationMutations {
    /// Creates an organisation owned by the viewer. Any signed-in person.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new organisation's name, slug, industry and size.")]
        input: CreateOrganizationInput,
    ) -> Result<CreateOrganizationPayload> {
        let mutating = Mutating::of(ctx).await?;
        let client = ClientMutationId {
            mutation: "createOrganization",
            id: input.client_mutation_id.as_deref(),
            request: serde_json::json!({ "name": input.name, "slug": input.slug, "industry": input.industry, "company_size": input.company_size.map(|size| entity::enums::CompanySize::from(size).as_str()) }),
        };
        let new = NewOrganization {
            name: input.name,
            slug: input.slug,
            industry: input.industry,
            company_size: input.company_size.map(Into::into),
        };
        let organization =
            organizations::create(mutating.db, mutating.actor(), new, client).await?;
        refresh_viewer(ctx)?;
        Ok(CreateOrganizationPayload {
            client_mutation_id: input.client_mutation_id,
            organization: organization.into(),
        })
    }

    /// Changes an organisation's name, industry, size or settings. Admins and owners.
    #[graphql(
        guard = "RoleOver::new(Target::Organization(input.organization_id.clone()), StoredRole::Admin, \"input.organizationId\")"
    )]
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation and the fields to change.")]
        input: UpdateOrganizationInput,
    ) -> Result<UpdateOrganizationPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = organization_key(&input.organization_id)?;
        let changes = OrganizationChanges {
            name: input.name,
            industry: input.industry,
            company_size: input.company_size.map(Into::into),
            settings: input.settings.map(|settings| settings.0),
        };
        let organization =
            organizations::update(mutating.db, mutating.actor(), id, changes).await?;
        refresh_viewer(ctx)?;
        Ok(UpdateOrganizationPayload {
            organization: organization.into(),
        })
    }

    /// Deletes an organisation for everyone; its rows are kept for the record. Owners only.
    #[graphql(
        guard = "RoleOver::new(Target::Organization(input.organization_id.clone()), StoredRole::Owner, \"input.organizationId\")"
    )]
    async fn delete_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation to delete.")] input: DeleteOrganizationInput,
    ) -> Result<DeleteOrganizationPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = organization_key(&input.organization_id)?;
        organizations::delete(mutating.db, mutating.actor(), id).await?;
        refresh_viewer(ctx)?;
        Ok(DeleteOrganizationPayload {
            deleted_organization_id: input.organization_id,
        })
    }
}

/// The key of an `organizationId` input.
pub(super) fn organization_key(id: &ID) -> Result<Uuid> {
    Ok(GlobalId::decode_as(
        id,
        NodeKind::Organization,
        "input.organizationId",
    )?)
}
