//! Root query fields.

use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::connection::{
    PageArgs, Paged, TotalCount, complexity, connection, page_limits, shape_of_nodes,
};
use super::guards::{found_nothing, loaders, reference, signed_in};
use super::id::{GlobalId, NodeKind};
use super::inputs::{OrganizationFilterInput, OrganizationOrder};
use super::types::{
    ConsentType, MaturityLevel, Node, Organization, User, find, find_selected, resolve_node,
};
use crate::db;
use crate::db::lists::{OrganizationFilter, OrganizationSort};
use crate::db::loaders::{OrganizationById, OrganizationBySlug, UserById};
use crate::db::paging::{ListQuery, Sort};
use crate::error::AppError;

/// The root of every read.
pub struct Query;

#[Object]
impl Query {
    /// The signed-in person. Their memberships are on `User.memberships`.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<User> {
        // The scope admits the viewer's own row only while they are an active user.
        let user = find::<UserById>(ctx, signed_in(ctx)?).await?;
        Ok(User(user.ok_or(AppError::Unauthenticated)?))
    }

    /// One organisation the viewer belongs to, by `id` or by `slug` (exactly one of them);
    /// `null` for one that does not exist or that the viewer does not belong to.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> Result<Option<Organization>> {
        signed_in(ctx)?;
        let row = match (id, slug) {
            (Some(id), None) => {
                let key: Uuid = GlobalId::decode_as(&id, NodeKind::Organization, "id")?;
                find_selected::<OrganizationById>(ctx, key).await?
            }
            (None, Some(slug)) => find_selected::<OrganizationBySlug>(ctx, slug).await?,
            _ => {
                return Err(AppError::BadUserInput {
                    message: "pass exactly one of `id` and `slug`".into(),
                    field: Some("id".into()),
                }
                .into());
            }
        };
        if row.is_none() {
            found_nothing(ctx).await?;
        }
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
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<OrganizationFilterInput>,
        order_by: Option<OrganizationOrder>,
    ) -> Result<Paged<Organization>> {
        signed_in(ctx)?;
        let sort = OrganizationOrder::sort(order_by, BY_NAME);
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .request(sort.key, page_limits(ctx))?;
        let filter: OrganizationFilter = filter.unwrap_or_default().into();
        let query = ListQuery {
            filter: filter.clone(),
            sort,
            page,
            shape: shape_of_nodes::<entity::organizations::Entity>(ctx),
        };
        let rows = loaders(ctx)?
            .loader()
            .organizations(&query)
            .await
            .map_err(AppError::from)?;
        if rows.rows.is_empty() {
            found_nothing(ctx).await?;
        }
        Ok(connection(
            &rows,
            sort.key,
            Organization,
            TotalCount::of(filter),
        ))
    }

    /// Any object by its global ID; `null` if it does not exist or the viewer may not read it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        Ok(resolve_node(ctx, &id, "id").await?)
    }

    /// Objects by global ID, in the order asked; `null` for each that does not exist or that
    /// the viewer may not read. At most the page size limit of IDs.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
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
        let nodes = futures_util::future::try_join_all(nodes).await?;
        Ok(nodes)
    }

    /// The maturity scale, level 0 to 9. Public reference data.
    async fn maturity_levels(&self, ctx: &Context<'_>) -> Result<Vec<MaturityLevel>> {
        let levels = reference(ctx)?.maturity_levels();
        Ok(levels.iter().cloned().map(MaturityLevel).collect())
    }

    /// Every consent type a person can grant or withdraw, all versions. Public reference data.
    async fn consent_types(&self, ctx: &Context<'_>) -> Result<Vec<ConsentType>> {
        let types = db::reference::consent_types(loaders(ctx)?.loader().db())
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
