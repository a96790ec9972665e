//! Root query fields.

use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::connection::{
    PageArgs, Paged, TotalCount, complexity, connection, node_selection, page_limits,
};
use super::enums::AssessmentType;
use super::guards::{db, loaders, reference, viewer};
use super::id::{GlobalId, NodeKind};
use super::inputs::{OrganizationFilterInput, OrganizationOrder};
use super::types::{
    AssessmentModel, ConsentType, MaturityLevel, Node, Organization, User, load, resolve_node,
};
use crate::db::organizations::{
    self, OrganizationBySlug, OrganizationFilter, OrganizationKey, OrganizationSort,
};
use crate::db::paging::{ListQuery, Sort};
use crate::db::users::UserKey;
use crate::domain::scoring;
use crate::error::AppError;

/// The root of every read.
pub struct Query;

/// Every read starts here. Organisation data needs a signed-in viewer (`UNAUTHENTICATED`
/// otherwise) and shows only the organisations the viewer belongs to (all of them to a
/// platform admin); reference data (`maturityLevels`, `consentTypes`, `assessmentModels`) is
/// public.
#[Object]
impl Query {
    /// The signed-in person. Their memberships are on `User.memberships`.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<User> {
        let user = load(ctx, UserKey(viewer(ctx).await?.user_id)).await?;
        Ok(User(user.ok_or(AppError::InvalidCredentials(
            crate::auth::viewer::Rejection::InactivePerson.reason(),
        ))?))
    }

    /// One organisation the viewer belongs to, by `id` or by `slug` (exactly one of them);
    /// `null` for one that does not exist or that the viewer does not belong to.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's global ID.")] id: Option<ID>,
        #[graphql(desc = "The organisation's slug, e.g. `acme-retail`.")] slug: Option<String>,
    ) -> Result<Option<Organization>> {
        viewer(ctx).await?;
        let joins = Organization::joins(&ctx.look_ahead());
        let row = match (id, slug) {
            (Some(id), None) => {
                let key: Uuid = GlobalId::decode_as(&id, NodeKind::Organization, "id")?;
                load(ctx, OrganizationKey(key, joins)).await?
            }
            (None, Some(slug)) => load(ctx, OrganizationBySlug(slug, joins)).await?,
            _ => {
                return Err(AppError::BadUserInput {
                    message: "pass exactly one of `id` and `slug`".into(),
                    field: Some("id".into()),
                }
                .into());
            }
        };
        Ok(row.map(Organization))
    }

    /// The organisations the viewer belongs to (every organisation, for a platform admin),
    /// by name unless `orderBy` says otherwise.
    #[graphql(complexity = "complexity(first, last, child_complexity)")]
    #[allow(
        clippy::too_many_arguments,
        reason = "Relay paging arguments, filter and order"
    )]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many rows from the start, or after `after`.")] first: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "How many rows from the end, or before `before`.")] last: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page ends before it.")] before: Option<String>,
        #[graphql(desc = "Which rows; all by default.")] filter: Option<OrganizationFilterInput>,
        #[graphql(desc = "Sort; by name by default.")] order_by: Option<OrganizationOrder>,
    ) -> Result<Paged<Organization>> {
        viewer(ctx).await?;
        let sort = OrganizationOrder::sort(order_by, BY_NAME);
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .request::<organizations::Organization>(sort.key, page_limits(ctx))?;
        let filter: OrganizationFilter = filter.unwrap_or_default().into();
        let query = ListQuery {
            filter: filter.clone(),
            sort,
            page,
        };
        let joins = Organization::joins(&node_selection(ctx));
        let loaders = loaders(ctx).await?;
        let rows = loaders
            .loader()
            .page(None, &query, joins)
            .await
            .map_err(AppError::from)?;
        Ok(connection(
            &rows,
            sort.key,
            Organization,
            TotalCount::of(filter),
        ))
    }

    /// Any object by its global ID; `null` if it does not exist or the viewer may not read it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID, as any object's `id` gives it.")] id: ID,
    ) -> Result<Option<Node>> {
        Ok(resolve_node(ctx, &id, "id").await?)
    }

    /// Objects by global ID, in the order asked; `null` for each that does not exist or that
    /// the viewer may not read. At most the page size limit of IDs.
    #[graphql(complexity = "ids.len().max(1) * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs, at most `ORGRAPH_MAX_PAGE_SIZE` (100 by default).")] ids: Vec<
            ID,
        >,
    ) -> Result<Vec<Option<Node>>> {
        let limit = page_limits(ctx).max_page_size;
        if ids.len() as u64 > limit {
            return Err(AppError::BadUserInput {
                message: format!("at most {limit} IDs at a time"),
                field: Some("ids".into()),
            }
            .into());
        }
        let nodes = ids
            .iter()
            .enumerate()
            .map(|(index, id)| async move { resolve_node(ctx, id, &format!("ids.{index}")).await });
        // All of them, then the first error in list order: which one failed first depends on
        // timing (the viewer's memberships may still be loading), the answer must not.
        let nodes = futures_util::future::join_all(nodes).await;
        Ok(nodes.into_iter().collect::<Result<_, _>>()?)
    }

    /// The maturity scale, level 0 to 9. Public reference data.
    async fn maturity_levels(&self, ctx: &Context<'_>) -> Result<Vec<MaturityLevel>> {
        let levels = reference(ctx)?.maturity_levels();
        Ok(levels.iter().cloned().map(MaturityLevel).collect())
    }

    /// The question models of every assessment type (or of one), by type and then version,
    /// oldest first: the questions, answer scales, options, categories and weights a client
    /// needs to render an assessment and build answers `saveAssessmentResponses` accepts.
    /// Public reference data.
    async fn assessment_models(
        &self,
        #[graphql(desc = "Only this type's models; every type's by default.")]
        assessment_type: Option<AssessmentType>,
    ) -> Vec<AssessmentModel> {
        let models = scoring::question_models_of(assessment_type.map(Into::into));
        models.into_iter().map(AssessmentModel).collect()
    }

    /// Every consent type a person can grant or withdraw, all versions. Public reference data.
    async fn consent_types(&self, ctx: &Context<'_>) -> Result<Vec<ConsentType>> {
        let types = crate::db::consent_types::all(db(ctx)?)
            .await
            .map_err(AppError::from)?;
        Ok(types
            .into_iter()
            .map(|row| ConsentType(row.into()))
            .collect())
    }
}

const BY_NAME: Sort<OrganizationSort> = Sort {
    key: OrganizationSort::Name,
    descending: false,
};
