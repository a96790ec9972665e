//! Personal fields: email, phone, time zone, links and consents are visible to the person, to
//! owners and admins of an organisation they share, and to platform admins; other members see
//! name and title only, with a `FORBIDDEN` entry per hidden field.

use serde_json::{Value, json};

use crate::world::{World, error_codes, global_id};

const PERSON: &str = r#"
query Person($id: ID!) {
  node(id: $id) {
    ... on User {
      id name title email phone timezone linkedinUrl profilePicUrl
      consents(first: 10) { totalCount edges { node { id granted consentType { code } } } }
    }
  }
}"#;

async fn read_person(
    world: &World,
    viewer: Option<&crate::world::Person>,
    person: &crate::world::Person,
) -> Value {
    world
        .query(
            viewer,
            PERSON,
            json!({ "id": global_id("User", person.id) }),
        )
        .await
}

#[tokio::test]
async fn the_person_reads_all_their_personal_data() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let response = read_person(&world, Some(owner), owner).await;
    assert!(response.get("errors").is_none(), "{response}");
    let node = &response["data"]["node"];
    assert_eq!(node["email"], owner.email.as_str());
    assert_eq!(node["phone"], "+44 20 7946 0000");
    assert_eq!(node["consents"]["totalCount"], 1);
    assert_eq!(
        node["consents"]["edges"][0]["node"]["consentType"]["code"],
        "world_newsletter"
    );
}

#[tokio::test]
async fn owners_and_admins_read_the_personal_data_of_their_members() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    for role in ["owner", "admin"] {
        let response = read_person(&world, Some(world.alpha.person(role)), member).await;
        assert!(response.get("errors").is_none(), "{role}: {response}");
        assert_eq!(
            response["data"]["node"]["email"],
            member.email.as_str(),
            "{role}"
        );
        assert_eq!(
            response["data"]["node"]["consents"]["totalCount"], 0,
            "{role}"
        );
    }
    let response = read_person(&world, Some(&world.platform_admin), member).await;
    assert_eq!(response["data"]["node"]["email"], member.email.as_str());
}

#[tokio::test]
async fn other_members_see_name_and_title_only() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    for role in ["analyst", "member", "viewer"] {
        let response = read_person(&world, Some(world.alpha.person(role)), owner).await;
        let node = &response["data"]["node"];
        assert_eq!(node["name"], "Ada Lovelace", "{role}");
        assert_eq!(node["title"], "Head of Things", "{role}");
        for field in [
            "email",
            "phone",
            "timezone",
            "linkedinUrl",
            "profilePicUrl",
            "consents",
        ] {
            assert_eq!(node[field], Value::Null, "{role} must not read {field}");
        }
        let codes = error_codes(&response);
        assert_eq!(
            codes.len(),
            6,
            "{role}: one error per hidden field: {response}"
        );
        assert!(
            codes.iter().all(|code| code == "FORBIDDEN"),
            "{role}: {codes:?}"
        );
    }
}

#[tokio::test]
async fn people_of_other_organisations_do_not_exist() {
    let world = World::new().await;
    let stranger = world.beta.person("member");
    for viewer in [
        world.alpha.person("owner"),
        world.alpha.person("member"),
        &world.outsider,
    ] {
        let response = read_person(&world, Some(viewer), stranger).await;
        let unknown = world
            .query(
                Some(viewer),
                PERSON,
                json!({ "id": global_id("User", uuid::Uuid::now_v7()) }),
            )
            .await;
        assert_eq!(response, unknown, "a stranger looks exactly like nobody");
        assert_eq!(response["data"]["node"], Value::Null);
        assert!(response.get("errors").is_none(), "{response}");
    }
}

#[tokio::test]
async fn consent_records_of_others_are_reachable_only_with_their_personal_data() {
    let world = World::new().await;
    let query = "query($id: ID!) { node(id: $id) { id ... on UserConsent { granted } } }";
    let consent = json!({ "id": global_id("UserConsent", world.alpha.consent) });
    let admin = world
        .query(Some(world.alpha.person("admin")), query, consent.clone())
        .await;
    assert_eq!(admin["data"]["node"]["granted"], true, "{admin}");
    for viewer in [
        world.alpha.person("member"),
        world.beta.person("owner"),
        &world.outsider,
    ] {
        let response = world.query(Some(viewer), query, consent.clone()).await;
        assert_eq!(response, json!({ "data": { "node": null } }), "{viewer:?}");
    }
}
