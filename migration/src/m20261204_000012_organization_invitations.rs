//! Invitations to an organisation (seed 003's `assessment_invitations`, applied to
//! memberships). A membership exists only once the invitee accepts: until then the
//! organisation knows nothing of them beyond the email its admin typed.
//!
//! The token is a bearer secret: only its SHA-256 is stored, so a copy of the database cannot
//! accept anyone's invitation.

use sea_orm_migration::prelude::*;

use crate::MEMBER_ROLES;
use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Where an invitation stands. An expired invitation may still read `pending` until something
/// touches it: expiry is also decided by `expires_at`.
const INVITATION_STATUSES: [&str; 5] = ["pending", "accepted", "expired", "revoked", "declined"];

const INDEXES: [&str; 3] = [
    // One open invitation per person and organisation: a second is a resend.
    "CREATE UNIQUE INDEX ux_organization_invitations_pending \
     ON organization_invitations (organization_id, invitee_email) WHERE status = 'pending'",
    "CREATE INDEX ix_organization_invitations_invitee \
     ON organization_invitations (invitee_email, status)",
    "CREATE INDEX ix_organization_invitations_org_created \
     ON organization_invitations (organization_id, created_at)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("organization_invitations")
                        .col(uuid_pk("id"))
                        .col(uuid_col("organization_id"))
                        .col(ColumnDef::new("inviter_id").uuid().null())
                        .col(text("invitee_email"))
                        .col(text("role"))
                        .col(text_null("department"))
                        .col(text_null("custom_message"))
                        .col(
                            ColumnDef::new("token_hash")
                                .text()
                                .not_null()
                                .unique_key()
                                .take(),
                        )
                        .col(text("status"))
                        .col(timestamp("expires_at"))
                        .col(timestamp_null("responded_at")),
                )
                .foreign_key(&mut foreign_key(
                    "fk_organization_invitations_organization",
                    ("organization_invitations", "organization_id"),
                    ("organizations", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    "fk_organization_invitations_inviter",
                    ("organization_invitations", "inviter_id"),
                    ("users", "id"),
                    ForeignKeyAction::SetNull,
                ))
                .check(check_in(
                    "ck_organization_invitations_role",
                    "role",
                    &MEMBER_ROLES,
                ))
                .check(check_in(
                    "ck_organization_invitations_status",
                    "status",
                    &INVITATION_STATUSES,
                ))
                .check(check(
                    "ck_organization_invitations_token_hash",
                    "length(token_hash) = 64",
                ))
                .check(check(
                    "ck_organization_invitations_email",
                    "invitee_email = lower(invitee_email) AND invitee_email LIKE '%_@_%'",
                ))
                // Answered exactly when no longer pending (an expiry is not an answer).
                .check(check(
                    "ck_organization_invitations_responded",
                    "(status IN ('accepted', 'declined', 'revoked')) = (responded_at IS NOT NULL)",
                ))
                .take(),
            )
            .await?;
        execute_all(manager, &INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["organization_invitations"]).await
    }
}
