//! The root fields a signed-in person starts from, and what a bad token gets from them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use entity::organization_members;
use orgraph::auth::token::TokenKeys;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::TEST_JWT_SECRET;
use crate::world::{World, bearer, error_codes, global_id};

const VIEWER: &str = "{ viewer { id name email memberships { totalCount edges { node { role organization { slug } } } } } }";

#[tokio::test]
async fn the_viewer_is_the_person_the_token_names_with_their_memberships() {
    let world = World::new().await;
    let analyst = world.alpha.person("analyst");
    let response = world.query(Some(analyst), VIEWER, json!({})).await;
    let viewer = &response["data"]["viewer"];
    assert_eq!(viewer["id"], global_id("User", analyst.id));
    assert_eq!(viewer["email"], analyst.email.as_str());
    assert_eq!(viewer["memberships"]["totalCount"], 1);
    let membership = &viewer["memberships"]["edges"][0]["node"];
    assert_eq!(membership["role"], "ANALYST");
    assert_eq!(membership["organization"]["slug"], "alpha");
}

#[tokio::test]
async fn expired_forged_unsigned_and_malformed_tokens_are_unauthenticated() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let keys = TokenKeys::new(TEST_JWT_SECRET);
    let expired = keys.mint(owner.id, Duration::hours(-2)).unwrap();
    let forged = TokenKeys::new("some-other-secret-some-other-secret")
        .mint(owner.id, Duration::hours(1))
        .unwrap();
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"{}","exp":{},"iat":0}}"#,
            owner.id,
            chrono::Utc::now().timestamp() + 3600
        )),
    );
    let cases = [
        ("expired", format!("Bearer {expired}")),
        ("forged", format!("Bearer {forged}")),
        ("alg none", format!("Bearer {unsigned}")),
        ("malformed", "Bearer not.a.token".to_owned()),
    ];
    for (case, authorization) in cases {
        let response = world
            .app
            .post_graphql(VIEWER, json!({}), Some(&authorization))
            .await
            .json::<Value>()
            .await
            .unwrap();
        assert_eq!(response["data"], Value::Null, "{case}: {response}");
        assert_eq!(error_codes(&response), ["UNAUTHENTICATED"], "{case}");
    }
    let anonymous = world.query(None, VIEWER, json!({})).await;
    assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED"]);
    let valid = world.query(Some(owner), VIEWER, json!({})).await;
    assert!(valid.get("errors").is_none(), "{valid}");
}

#[tokio::test]
async fn a_removed_member_loses_access_on_the_next_request() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let query = "query($slug: String!) { organization(slug: $slug) { slug } }";
    let variables = json!({ "slug": "alpha" });
    let before = world.query(Some(member), query, variables.clone()).await;
    assert_eq!(before["data"]["organization"]["slug"], "alpha");
    organization_members::Entity::delete_many()
        .filter(organization_members::Column::UserId.eq(member.id))
        .exec(&world.app.db)
        .await
        .unwrap();
    let after = world.query(Some(member), query, variables).await;
    assert_eq!(after, json!({ "data": { "organization": null } }));
}

#[tokio::test]
async fn organization_takes_exactly_one_of_id_and_slug() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let id = global_id("Organization", world.alpha.id);
    let by_id = world
        .query(
            Some(owner),
            "query($id: ID) { organization(id: $id) { slug } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(by_id["data"]["organization"]["slug"], "alpha");
    for (query, variables) in [
        ("{ organization { slug } }", json!({})),
        (
            "query($id: ID) { organization(id: $id, slug: \"alpha\") { slug } }",
            json!({ "id": id }),
        ),
    ] {
        let response = world.query(Some(owner), query, variables).await;
        assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
    }
}

#[tokio::test]
async fn malformed_and_mistyped_ids_are_bad_input() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let assessment_id = global_id("Assessment", world.alpha.assessment);
    for (query, id) in [
        (
            "query($id: ID!) { node(id: $id) { id } }",
            "not-an-id".to_owned(),
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            global_id("Planet", 1),
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            global_id("User", "not-a-uuid"),
        ),
        (
            "query($id: ID) { organization(id: $id) { id } }",
            assessment_id,
        ),
    ] {
        let response = world.query(Some(owner), query, json!({ "id": id })).await;
        assert_eq!(
            error_codes(&response),
            ["BAD_USER_INPUT"],
            "{id}: {response}"
        );
        assert_eq!(response["errors"][0]["extensions"]["field"], "id");
    }
}

#[tokio::test]
async fn nodes_keep_the_order_asked_and_refuse_too_many_ids() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let ids = [
        global_id("Assessment", world.alpha.assessment),
        global_id("Assessment", uuid::Uuid::now_v7()),
        global_id("Organization", world.alpha.id),
        global_id("MaturityLevel", 3),
    ];
    let response = world.query(Some(owner), query, json!({ "ids": ids })).await;
    assert_eq!(
        response["data"]["nodes"],
        json!([{ "id": ids[0] }, null, { "id": ids[2] }, { "id": ids[3] }])
    );
    let too_many: Vec<String> = (0..101)
        .map(|level| global_id("MaturityLevel", level % 10))
        .collect();
    let response = world
        .query(Some(owner), query, json!({ "ids": too_many }))
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"]);
    assert_eq!(response["errors"][0]["extensions"]["field"], "ids");
}

#[tokio::test]
async fn configured_issuer_and_audience_are_enforced() {
    let app = crate::helpers::spawn_app_with(|settings| {
        settings.jwt_issuer = Some("orgraph-test".into());
        settings.jwt_audience = Some("dashboards".into());
    })
    .await;
    let user = uuid::Uuid::now_v7();
    crate::rows::user(user, "iss@example.com")
        .insert(&app.db)
        .await
        .unwrap();
    let plain = TokenKeys::new(TEST_JWT_SECRET)
        .mint(user, Duration::hours(1))
        .unwrap();
    let strict = TokenKeys::new(TEST_JWT_SECRET)
        .with_issuer("orgraph-test")
        .with_audience("dashboards")
        .mint(user, Duration::hours(1))
        .unwrap();
    let rejected = app
        .graphql_with_authorization("{ viewer { id } }", Some(&format!("Bearer {plain}")))
        .await;
    assert_eq!(error_codes(&rejected), ["UNAUTHENTICATED"]);
    let accepted = app
        .graphql_with_authorization("{ viewer { id } }", Some(&format!("Bearer {strict}")))
        .await;
    assert_eq!(accepted["data"]["viewer"]["id"], global_id("User", user));
}

/// Keeps `bearer` exercised here too: a token for the platform admin reads every organisation.
#[tokio::test]
async fn a_platform_admin_reads_every_organisation() {
    let world = World::new().await;
    let response = world
        .app
        .post_graphql(
            "{ organizations { totalCount edges { node { slug viewerRole } } } }",
            json!({}),
            Some(&bearer(&world.platform_admin)),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(response["data"]["organizations"]["totalCount"], 2);
    assert_eq!(
        response["data"]["organizations"]["edges"],
        json!([
            { "node": { "slug": "alpha", "viewerRole": null } },
            { "node": { "slug": "beta", "viewerRole": null } }
        ])
    );
}
