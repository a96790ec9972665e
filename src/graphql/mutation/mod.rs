//! Root mutation fields, one module per domain. Each field names the weakest role it accepts
//! in a guard (the read API's mechanism), calls one service function (one transaction), then
//! refreshes the viewer so the payload is read with the memberships as they are now.

mod assessments;
mod data_requests;
mod invitations;
mod members;
mod organizations;
mod people;
mod twins;

use std::sync::Arc;

use async_graphql::{Context, MergedObject};
use sea_orm::DatabaseConnection;

use super::guards::{db, viewer};
use crate::audit::{Pseudonymizer, RequestMeta, RequestOrigin};
use crate::auth::viewer::Viewer;
use crate::error::AppError;
use crate::service::Actor;

/// The root of every change.
#[derive(MergedObject, Default)]
pub struct Mutation(
    organizations::OrganizationMutations,
    members::MemberMutations,
    invitations::InvitationMutations,
    assessments::AssessmentMutations,
    people::PeopleMutations,
    twins::TwinMutations,
    data_requests::DataRequestMutations,
);

/// What a mutation needs from its request.
struct Mutating<'a> {
    viewer: Arc<Viewer>,
    request: &'a RequestMeta,
    pseudonymizer: &'a Pseudonymizer,
    db: &'a DatabaseConnection,
}

impl<'a> Mutating<'a> {
    async fn of(ctx: &Context<'a>) -> Result<Self, AppError> {
        let missing = |what: &str| AppError::Internal(anyhow::anyhow!("no {what} in the request"));
        Ok(Self {
            viewer: viewer(ctx).await?,
            request: ctx
                .data::<RequestOrigin>()
                .map_err(|_| missing("request origin"))?
                .meta(),
            pseudonymizer: ctx
                .data::<Pseudonymizer>()
                .map_err(|_| missing("pseudonymizer"))?,
            db: db(ctx)?,
        })
    }

    fn actor(&self) -> Actor<'_> {
        Actor {
            viewer: &self.viewer,
            request: self.request,
            pseudonymizer: self.pseudonymizer,
        }
    }
}
