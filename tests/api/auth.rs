//! Tokens become viewers: memberships come from the database on every request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use entity::enums::{MemberRole, PlatformRole};
use entity::prelude::*;
use entity::{organization_members, organizations, users};
use orgraph::auth::token::TokenKeys;
use orgraph::auth::viewer::{Authentication, Viewer, authenticate};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::helpers::*;

async fn demo_database() -> TestDb {
    let test = migrated_database().await;
    orgraph::seed::demo(&test.db).await.expect("demo data");
    test
}

async fn user_id(db: &DatabaseConnection, email: &str) -> Uuid {
    User::find()
        .filter(users::Column::Email.eq(email))
        .one(db)
        .await
        .unwrap()
        .expect("a demo user")
        .id
}

async fn organization_id(db: &DatabaseConnection, slug: &str) -> Uuid {
    Organization::find()
        .filter(organizations::Column::Slug.eq(slug))
        .one(db)
        .await
        .unwrap()
        .expect("a demo organisation")
        .id
}

async fn viewer_of(db: &DatabaseConnection, authorization: Option<&str>) -> Authentication {
    authenticate(authorization, &TokenKeys::new(TEST_JWT_SECRET), db)
        .await
        .expect("authentication reads the database")
}

fn bearer(user: Uuid) -> String {
    let token = TokenKeys::new(TEST_JWT_SECRET)
        .mint(user, Duration::hours(1))
        .unwrap();
    format!("Bearer {token}")
}

fn expect_viewer(authentication: Authentication) -> Viewer {
    match authentication {
        Authentication::Viewer(viewer) => (*viewer).clone(),
        other => panic!("expected a viewer, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_token_yields_the_viewers_memberships() {
    let test = demo_database().await;
    let db = &test.db;
    let sam = user_id(db, "sam.taylor@advisory.example").await;
    let northwind = organization_id(db, "northwind-logistics").await;
    let brightleaf = organization_id(db, "brightleaf-health").await;
    let quanta = organization_id(db, "quanta-retail").await;

    let viewer = expect_viewer(viewer_of(db, Some(&bearer(sam))).await);
    assert_eq!(viewer.user_id, sam);
    assert_eq!(viewer.role_in(northwind), Some(MemberRole::Analyst));
    assert_eq!(viewer.role_in(brightleaf), Some(MemberRole::Member));
    assert_eq!(viewer.role_in(quanta), None);
    assert!(!viewer.is_platform_admin());

    let operator = user_id(db, "ops@orgraph.example").await;
    let admin = expect_viewer(viewer_of(db, Some(&bearer(operator))).await);
    assert_eq!(admin.platform_role, PlatformRole::PlatformAdmin);
    assert_eq!(admin.organization_ids().count(), 0);
}

#[tokio::test]
async fn removed_suspended_and_deleted_memberships_stop_at_once() {
    let test = demo_database().await;
    let db = &test.db;
    let sam = user_id(db, "sam.taylor@advisory.example").await;
    let northwind = organization_id(db, "northwind-logistics").await;
    let brightleaf = organization_id(db, "brightleaf-health").await;
    assert_eq!(
        expect_viewer(viewer_of(db, Some(&bearer(sam))).await)
            .organization_ids()
            .count(),
        2
    );

    OrganizationMember::delete_many()
        .filter(organization_members::Column::UserId.eq(sam))
        .filter(organization_members::Column::OrganizationId.eq(brightleaf))
        .exec(db)
        .await
        .unwrap();
    let viewer = expect_viewer(viewer_of(db, Some(&bearer(sam))).await);
    assert_eq!(
        viewer.role_in(brightleaf),
        None,
        "a removed member loses access on the next request"
    );
    assert_eq!(viewer.role_in(northwind), Some(MemberRole::Analyst));

    Organization::update_many()
        .col_expr(
            organizations::Column::DeletedAt,
            Expr::value(chrono::Utc::now()),
        )
        .filter(organizations::Column::Id.eq(northwind))
        .exec(db)
        .await
        .unwrap();
    let viewer = expect_viewer(viewer_of(db, Some(&bearer(sam))).await);
    assert_eq!(
        viewer.organization_ids().count(),
        0,
        "a deleted organisation is nobody's"
    );

    let hana = user_id(db, "hana.sato@brightleaf.example").await;
    OrganizationMember::update_many()
        .col_expr(
            organization_members::Column::Status,
            Expr::value("suspended"),
        )
        .filter(organization_members::Column::UserId.eq(hana))
        .exec(db)
        .await
        .unwrap();
    assert_eq!(
        expect_viewer(viewer_of(db, Some(&bearer(hana))).await)
            .organization_ids()
            .count(),
        0
    );
}

#[tokio::test]
async fn bad_credentials_are_rejected_and_no_credentials_are_anonymous() {
    let test = demo_database().await;
    let db = &test.db;
    let amara = user_id(db, "amara.okafor@northwind.example").await;
    let keys = TokenKeys::new(TEST_JWT_SECRET);

    assert_eq!(viewer_of(db, None).await, Authentication::Anonymous);

    let expired = keys.mint(amara, Duration::hours(-2)).unwrap();
    let forged = TokenKeys::new("some-other-secret-some-other-secret")
        .mint(amara, Duration::hours(1))
        .unwrap();
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"{amara}","exp":{},"iat":0}}"#,
            chrono::Utc::now().timestamp() + 3600
        )),
    );
    let stranger = keys.mint(Uuid::now_v7(), Duration::hours(1)).unwrap();
    for (case, header) in [
        ("expired", format!("Bearer {expired}")),
        ("forged", format!("Bearer {forged}")),
        ("alg none", format!("Bearer {unsigned}")),
        ("malformed", "Bearer not.a.token".to_owned()),
        ("wrong scheme", format!("Basic {expired}")),
        ("empty", "Bearer ".to_owned()),
        ("unknown user", format!("Bearer {stranger}")),
    ] {
        assert_eq!(
            viewer_of(db, Some(&header)).await,
            Authentication::Rejected,
            "{case}"
        );
    }
    assert!(matches!(
        viewer_of(db, Some(&bearer(amara))).await,
        Authentication::Viewer(_)
    ));
}

#[tokio::test]
async fn reference_data_stays_public_whatever_the_token() {
    let app = spawn_app().await;
    let response = app
        .graphql_with_authorization(
            "{ consentTypes { code } }",
            Some("Bearer forged.token.value"),
        )
        .await;
    assert_eq!(
        response["data"]["consentTypes"].as_array().map(Vec::len),
        Some(3)
    );
}
