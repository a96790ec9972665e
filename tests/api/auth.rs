//! Tokens become viewers: memberships come from the database on every request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use entity::enums::{MemberRole, PlatformRole};
use entity::prelude::*;
use entity::{organization_members, organizations, users};
use orgraph::auth::token::TokenKeys;
use orgraph::auth::viewer::{Credentials, Viewer, load};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::helpers::*;
use crate::world::{World, error_codes, global_id};

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

fn credentials(authorization: Option<&str>) -> Credentials {
    Credentials::read(authorization, &TokenKeys::new(TEST_JWT_SECRET))
}

/// The viewer a token names, with their memberships as the database has them now.
async fn viewer_of(db: &DatabaseConnection, authorization: Option<&str>) -> Option<Viewer> {
    let Credentials::User(user_id) = credentials(authorization) else {
        return None;
    };
    load(db, user_id).await.expect("the viewer's read works")
}

fn bearer(user: Uuid) -> String {
    let token = TokenKeys::new(TEST_JWT_SECRET)
        .mint(user, Duration::hours(1))
        .unwrap();
    format!("Bearer {token}")
}

fn expect_viewer(viewer: Option<Viewer>) -> Viewer {
    viewer.expect("an active viewer")
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

    assert_eq!(credentials(None), Credentials::Anonymous);

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
    for (case, header) in [
        ("expired", format!("Bearer {expired}")),
        ("forged", format!("Bearer {forged}")),
        ("alg none", format!("Bearer {unsigned}")),
        ("malformed", "Bearer not.a.token".to_owned()),
        ("wrong scheme", format!("Basic {expired}")),
        ("empty", "Bearer ".to_owned()),
    ] {
        assert!(
            matches!(credentials(Some(&header)), Credentials::Rejected(_)),
            "{case}"
        );
    }
    let stranger = Uuid::now_v7();
    let unknown = format!(
        "Bearer {}",
        keys.mint(stranger, Duration::hours(1)).unwrap()
    );
    assert_eq!(
        credentials(Some(&unknown)),
        Credentials::User(stranger),
        "a well-signed token passes; the database decides whether its user is active"
    );
    assert_eq!(viewer_of(db, Some(&unknown)).await, None, "unknown user");
    assert!(viewer_of(db, Some(&bearer(amara))).await.is_some());
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

/// Root fields whose answer is empty for a user who may read nothing.
const ROOT_READS: [&str; 5] = [
    "{ viewer { id } }",
    "query($org: ID!) { organization(id: $org) { id name } }",
    "{ organizations { totalCount edges { node { id } } } }",
    "query($assessment: ID!) { node(id: $assessment) { id } }",
    "query($assessment: ID!) { nodes(ids: [$assessment]) { id } }",
];

fn root_variables(world: &World) -> serde_json::Value {
    serde_json::json!({
        "org": global_id("Organization", world.alpha.id),
        "assessment": global_id("Assessment", world.alpha.assessment),
    })
}

/// Reads check memberships inside their own statements, not in a read beforehand; a token
/// whose user was suspended or deleted since it was minted still gets `UNAUTHENTICATED` from
/// every root field, and no data.
#[tokio::test]
async fn a_suspended_or_deleted_users_token_reads_nothing_and_is_unauthenticated() {
    let world = World::new().await;
    let variables = root_variables(&world);
    let (member, owner) = (world.alpha.person("member"), world.alpha.person("owner"));
    for query in ROOT_READS {
        let response = world.query(Some(member), query, variables.clone()).await;
        assert!(response.get("errors").is_none(), "{query}: {response}");
        assert!(
            !response.to_string().contains(r#""node":null"#),
            "{query}: {response}"
        );
    }

    User::update_many()
        .col_expr(users::Column::Status, Expr::value("suspended"))
        .filter(users::Column::Id.eq(member.id))
        .exec(&world.app.db)
        .await
        .unwrap();
    User::update_many()
        .col_expr(users::Column::DeletedAt, Expr::value(chrono::Utc::now()))
        .filter(users::Column::Id.eq(owner.id))
        .exec(&world.app.db)
        .await
        .unwrap();
    for person in [member, owner] {
        for query in ROOT_READS {
            let response = world.query(Some(person), query, variables.clone()).await;
            assert_eq!(
                error_codes(&response),
                ["UNAUTHENTICATED"],
                "{query}: {response}"
            );
            let leaked = response.to_string();
            assert!(
                !leaked.contains(&world.alpha.slug) && !leaked.contains("\"id\":\""),
                "{query}: {response}"
            );
        }
    }
}

/// A membership taken away, or a platform admin's role, stops their reads on the next
/// request; the user is still active, so the answer is "nothing here", not an error.
#[tokio::test]
async fn a_revoked_membership_or_platform_role_stops_the_next_read() {
    let world = World::new().await;
    let variables = root_variables(&world);
    let organization = "query($org: ID!) { organization(id: $org) { id } }";
    let analyst = world.alpha.person("analyst");
    for person in [analyst, &world.platform_admin] {
        let response = world
            .query(Some(person), organization, variables.clone())
            .await;
        assert_eq!(
            response["data"]["organization"]["id"], variables["org"],
            "{response}"
        );
    }

    OrganizationMember::delete_many()
        .filter(organization_members::Column::UserId.eq(analyst.id))
        .filter(organization_members::Column::OrganizationId.eq(world.alpha.id))
        .exec(&world.app.db)
        .await
        .unwrap();
    User::update_many()
        .col_expr(users::Column::PlatformRole, Expr::value("user"))
        .filter(users::Column::Id.eq(world.platform_admin.id))
        .exec(&world.app.db)
        .await
        .unwrap();
    for person in [analyst, &world.platform_admin] {
        for (query, field) in [(organization, "organization"), (ROOT_READS[3], "node")] {
            let response = world.query(Some(person), query, variables.clone()).await;
            assert!(response.get("errors").is_none(), "{response}");
            assert_eq!(
                response["data"][field],
                serde_json::Value::Null,
                "{response}"
            );
        }
    }
}

#[tokio::test]
async fn a_missing_token_and_a_bad_one_are_told_apart() {
    let world = World::new().await;
    let expired = TokenKeys::new(TEST_JWT_SECRET)
        .mint(world.alpha.person("owner").id, Duration::hours(-1))
        .unwrap();
    let query = "{ viewer { id } }";
    let missing = world.app.graphql(query).await;
    let bad = world
        .app
        .graphql_with_authorization(query, Some(&format!("Bearer {expired}")))
        .await;
    assert_eq!(error_codes(&missing), ["UNAUTHENTICATED"]);
    assert_eq!(error_codes(&bad), ["UNAUTHENTICATED"]);
    let message = |response: &serde_json::Value| response["errors"][0]["message"].to_string();
    assert!(message(&missing).contains("sign in first"), "{missing}");
    assert!(
        message(&bad).contains("the token is not accepted: it has expired"),
        "{bad}"
    );
}

#[tokio::test]
async fn a_role_too_weak_is_told_which_role_is_needed() {
    let world = World::new().await;
    let mutation = "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { name } } }";
    let variables = serde_json::json!({
        "input": { "organizationId": global_id("Organization", world.alpha.id), "name": "Renamed" }
    });
    let response = world
        .query(Some(world.alpha.person("analyst")), mutation, variables)
        .await;
    assert_eq!(error_codes(&response), ["FORBIDDEN"], "{response}");
    assert_eq!(
        response["errors"][0]["message"],
        "this needs the ADMIN role or a stronger one in the organisation; you hold ANALYST"
    );
}

#[tokio::test]
async fn a_token_from_the_future_or_for_years_is_refused() {
    let world = World::new().await;
    let sub = world.alpha.person("owner").id;
    let now = chrono::Utc::now().timestamp();
    let sign = |claims: serde_json::Value| {
        let key = jsonwebtoken::EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes());
        jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap()
    };
    for (claims, reason) in [
        (
            serde_json::json!({ "sub": sub, "iat": now, "exp": now + 600, "nbf": now + 300 }),
            "not valid yet",
        ),
        (
            serde_json::json!({ "sub": sub, "iat": now + 300, "exp": now + 600 }),
            "not valid yet",
        ),
        (
            serde_json::json!({ "sub": sub, "iat": now, "exp": 253_402_300_799_i64 }),
            "lives longer",
        ),
    ] {
        let header = format!("Bearer {}", sign(claims.clone()));
        let response = world
            .app
            .graphql_with_authorization("{ viewer { id } }", Some(&header))
            .await;
        assert_eq!(error_codes(&response), ["UNAUTHENTICATED"], "{claims}");
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(reason), "{claims}: {message}");
    }
}
