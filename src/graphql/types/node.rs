//! The Relay `Node` interface: any object by its global ID, under the same rules as
//! everywhere else; another organisation's object is indistinguishable from one that never
//! existed.

use async_graphql::{Context, ID, Interface};

use super::data_request;
use super::{
    Assessment, AssessmentScore, AuditEntry, ConsentType, DataRequest, DigitalTwin,
    DigitalTwinSnapshot, Invitation, MaturityCriterion, MaturityLevel, Membership, Organization,
    User, UserConsent, load,
};
use crate::db::assessments::AssessmentKey;
use crate::db::audit::AuditKey;
use crate::db::consent_types::ConsentTypeKey;
use crate::db::consents::ConsentKey;
use crate::db::invitations::InvitationKey;
use crate::db::memberships::MembershipKey;
use crate::db::organizations::OrganizationKey;
use crate::db::scores::ScoreKey;
use crate::db::snapshots::SnapshotKey;
use crate::db::twins::TwinKey;
use crate::db::users::UserKey;
use crate::error::AppError;
use crate::graphql::guards::{reference, viewer};
use crate::graphql::id::{GlobalId, NodeKind};

/// An object with a global ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's global ID."))]
pub enum Node {
    Organization(Organization),
    User(User),
    Membership(Membership),
    Assessment(Assessment),
    AssessmentScore(AssessmentScore),
    DigitalTwin(DigitalTwin),
    DigitalTwinSnapshot(DigitalTwinSnapshot),
    UserConsent(UserConsent),
    AuditEntry(AuditEntry),
    Invitation(Invitation),
    DataRequest(DataRequest),
    MaturityLevel(MaturityLevel),
    MaturityCriterion(MaturityCriterion),
    ConsentType(ConsentType),
}

/// The object a global ID names, if the viewer may read it. Reference data is public; anything
/// else needs an active viewer.
pub async fn resolve_node(
    ctx: &Context<'_>,
    id: &ID,
    field: &str,
) -> Result<Option<Node>, AppError> {
    let id = GlobalId::decode(id, field)?;
    let selection = ctx.look_ahead();
    Ok(match id.kind {
        NodeKind::MaturityLevel => reference(ctx)?
            .maturity_level(id.key(field)?)
            .cloned()
            .map(|row| Node::MaturityLevel(MaturityLevel(row))),
        NodeKind::MaturityCriterion => reference(ctx)?
            .criterion(id.key(field)?)
            .cloned()
            .map(|row| Node::MaturityCriterion(MaturityCriterion(row))),
        NodeKind::ConsentType => load(ctx, ConsentTypeKey(id.key(field)?))
            .await?
            .map(|row| Node::ConsentType(ConsentType(row))),
        tenant_kind => {
            viewer(ctx).await?;
            match tenant_kind {
                NodeKind::Organization => {
                    let joins = Organization::joins(&selection);
                    load(ctx, OrganizationKey(id.key(field)?, joins))
                        .await?
                        .map(|row| Node::Organization(Organization(row)))
                }
                NodeKind::User => load(ctx, UserKey(id.key(field)?))
                    .await?
                    .map(|row| Node::User(User(row))),
                NodeKind::Membership => {
                    let joins = Membership::joins(&selection);
                    load(ctx, MembershipKey(id.key(field)?, joins))
                        .await?
                        .map(|row| Node::Membership(Membership(row)))
                }
                NodeKind::Assessment => {
                    let joins = Assessment::joins(&selection);
                    load(ctx, AssessmentKey(id.key(field)?, joins))
                        .await?
                        .map(|row| Node::Assessment(Assessment(row)))
                }
                NodeKind::AssessmentScore => load(ctx, ScoreKey(id.key(field)?))
                    .await?
                    .map(|row| Node::AssessmentScore(AssessmentScore(row))),
                NodeKind::DigitalTwin => load(ctx, TwinKey(id.key(field)?))
                    .await?
                    .map(|row| Node::DigitalTwin(DigitalTwin(row))),
                NodeKind::DigitalTwinSnapshot => load(ctx, SnapshotKey(id.key(field)?))
                    .await?
                    .map(|row| Node::DigitalTwinSnapshot(DigitalTwinSnapshot(row))),
                NodeKind::UserConsent => load(ctx, ConsentKey(id.key(field)?))
                    .await?
                    .map(|row| Node::UserConsent(UserConsent(row))),
                NodeKind::AuditEntry => load(ctx, AuditKey(id.key(field)?))
                    .await?
                    .map(|row| Node::AuditEntry(AuditEntry(row))),
                NodeKind::Invitation => load(ctx, InvitationKey(id.key(field)?))
                    .await?
                    .map(|row| Node::Invitation(Invitation(row))),
                NodeKind::DataRequest => data_request::by_id(ctx, id.key(field)?)
                    .await?
                    .map(Node::DataRequest),
                NodeKind::MaturityLevel | NodeKind::MaturityCriterion | NodeKind::ConsentType => {
                    None
                }
            }
        }
    })
}
