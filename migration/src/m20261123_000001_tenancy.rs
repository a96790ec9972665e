//! Organisations, users and memberships: the tenancy backbone.

use sea_orm_migration::prelude::*;

use crate::columns::*;
use crate::{COMPANY_SIZES, MEMBER_ROLES};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("organizations")
                        .col(uuid_pk("id"))
                        .col(text("name"))
                        .col(text("slug"))
                        .col(text_null("industry"))
                        .col(text_null("company_size"))
                        .col(json("settings"))
                        .col(text("status")),
                )
                .col(timestamp_null("deleted_at"))
                .check(check("ck_organizations_name", "length(trim(name)) > 0"))
                .check(check(
                    "ck_organizations_slug",
                    "length(slug) BETWEEN 2 AND 63 AND slug = lower(slug) AND slug NOT LIKE '% %'",
                ))
                .check(check_in(
                    "ck_organizations_company_size",
                    "company_size",
                    &COMPANY_SIZES,
                ))
                .check(check_in(
                    "ck_organizations_status",
                    "status",
                    &["active", "suspended", "archived"],
                ))
                .take(),
            )
            .await?;

        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("users")
                        .col(uuid_pk("id"))
                        .col(text("email"))
                        .col(text("first_name"))
                        .col(text("last_name"))
                        .col(text_null("phone"))
                        .col(text_null("title"))
                        .col(text_null("timezone"))
                        .col(text_null("linkedin_url"))
                        .col(text_null("profile_pic_url"))
                        .col(text("platform_role"))
                        .col(text("status"))
                        .col(timestamp_null("anonymized_at")),
                )
                .col(timestamp_null("deleted_at"))
                .check(check(
                    "ck_users_email",
                    "email LIKE '%_@_%' AND email NOT LIKE '% %'",
                ))
                .check(check_in(
                    "ck_users_platform_role",
                    "platform_role",
                    &["user", "platform_admin"],
                ))
                .check(check_in(
                    "ck_users_status",
                    "status",
                    &["active", "pending", "suspended"],
                ))
                .take(),
            )
            .await?;

        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("organization_members")
                        .col(uuid_pk("id"))
                        .col(uuid_col("organization_id"))
                        .col(uuid_col("user_id"))
                        .col(text("role"))
                        .col(text_null("department"))
                        .col(text("status"))
                        .col(timestamp("joined_at")),
                )
                // A membership means nothing without its organisation or its user.
                .foreign_key(&mut foreign_key(
                    "fk_organization_members_organization",
                    ("organization_members", "organization_id"),
                    ("organizations", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    "fk_organization_members_user",
                    ("organization_members", "user_id"),
                    ("users", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .check(check_in(
                    "ck_organization_members_role",
                    "role",
                    &MEMBER_ROLES,
                ))
                .check(check_in(
                    "ck_organization_members_status",
                    "status",
                    &["active", "invited", "suspended"],
                ))
                .take(),
            )
            .await?;

        execute_all(
            manager,
            &[
                "CREATE UNIQUE INDEX ux_organizations_slug ON organizations (slug)",
                // Emails are unique whatever their case: Ann@x.io and ann@x.io are one person.
                "CREATE UNIQUE INDEX ux_users_email ON users (lower(email))",
                "CREATE UNIQUE INDEX ux_organization_members_org_user \
                 ON organization_members (organization_id, user_id)",
                "CREATE INDEX ix_organization_members_org_joined \
                 ON organization_members (organization_id, joined_at, id)",
                "CREATE INDEX ix_organization_members_user ON organization_members (user_id)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["organization_members", "users", "organizations"]).await
    }
}
