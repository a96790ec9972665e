//! The Relay `Node` interface: any object by its global ID, under the same rules as
//! everywhere else; another organisation's object is indistinguishable from one that never
//! existed.

use async_graphql::{Context, ID, Interface};

use super::{
    Assessment, AssessmentScore, AuditEntry, ConsentType, DigitalTwin, DigitalTwinSnapshot,
    MaturityCriterion, MaturityLevel, Membership, Organization, User, UserConsent, find,
    find_selected,
};
use crate::db::loaders::{
    AssessmentById, AuditEntryById, ConsentById, ConsentTypeById, MembershipById, OrganizationById,
    ScoreById, SnapshotById, TwinById, UserById,
};
use crate::error::AppError;
use crate::graphql::guards::{found_nothing, reference, signed_in};
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
    MaturityLevel(MaturityLevel),
    MaturityCriterion(MaturityCriterion),
    ConsentType(ConsentType),
}

/// The object a global ID names, if the viewer may read it. Reference data is public; anything
/// else needs a viewer.
pub async fn resolve_node(
    ctx: &Context<'_>,
    id: &ID,
    field: &str,
) -> Result<Option<Node>, AppError> {
    let id = GlobalId::decode(id, field)?;
    let node = match id.kind {
        NodeKind::MaturityLevel => reference(ctx)?
            .maturity_level(id.key(field)?)
            .cloned()
            .map(|row| Node::MaturityLevel(MaturityLevel(row))),
        NodeKind::MaturityCriterion => reference(ctx)?
            .criterion(id.key(field)?)
            .cloned()
            .map(|row| Node::MaturityCriterion(MaturityCriterion(row))),
        NodeKind::ConsentType => find::<ConsentTypeById>(ctx, id.key(field)?)
            .await?
            .map(|row| Node::ConsentType(ConsentType(row))),
        tenant_kind => {
            signed_in(ctx)?;
            let node = resolve_tenant_node(ctx, &id, tenant_kind, field).await?;
            if node.is_none() {
                found_nothing(ctx).await?;
            }
            node
        }
    };
    Ok(node)
}

async fn resolve_tenant_node(
    ctx: &Context<'_>,
    id: &GlobalId,
    kind: NodeKind,
    field: &str,
) -> Result<Option<Node>, AppError> {
    Ok(match kind {
        NodeKind::Organization => find_selected::<OrganizationById>(ctx, id.key(field)?)
            .await?
            .map(|row| Node::Organization(Organization(row))),
        NodeKind::User => find_selected::<UserById>(ctx, id.key(field)?)
            .await?
            .map(|row| Node::User(User(row))),
        NodeKind::Membership => find_selected::<MembershipById>(ctx, id.key(field)?)
            .await?
            .map(|row| Node::Membership(Membership(row))),
        NodeKind::Assessment => find_selected::<AssessmentById>(ctx, id.key(field)?)
            .await?
            .map(|row| Node::Assessment(Assessment(row))),
        NodeKind::AssessmentScore => find_selected::<ScoreById>(ctx, id.key(field)?)
            .await?
            .map(|row| Node::AssessmentScore(AssessmentScore(row))),
        NodeKind::DigitalTwin => find_selected::<TwinById>(ctx, id.key(field)?)
            .await?
            .map(|row| Node::DigitalTwin(DigitalTwin(row))),
        NodeKind::DigitalTwinSnapshot => find_selected::<SnapshotById>(ctx, id.key(field)?)
            .await?
            .map(|row| Node::DigitalTwinSnapshot(DigitalTwinSnapshot(row))),
        NodeKind::UserConsent => find_selected::<ConsentById>(ctx, id.key(field)?)
            .await?
            .map(|row| Node::UserConsent(UserConsent(row))),
        NodeKind::AuditEntry => find_selected::<AuditEntryById>(ctx, id.key(field)?)
            .await?
            .map(|row| Node::AuditEntry(AuditEntry(row))),
        NodeKind::MaturityLevel | NodeKind::MaturityCriterion | NodeKind::ConsentType => None,
    })
}
