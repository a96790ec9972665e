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
      consentState { consentType { code } granted needsDecision }
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
            "consentState",
        ] {
            assert_eq!(node[field], Value::Null, "{role} must not read {field}");
        }
        let codes = error_codes(&response);
        assert_eq!(
            codes.len(),
            7,
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

/// The state of each consent is the newest decision on any version of its text; a new version
/// awaits a new decision, and the viewer's `pendingConsents` lists what awaits one.
#[tokio::test]
async fn a_consents_state_is_its_newest_decision_and_a_new_text_awaits_one() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let query = r#"query($id: ID!) { node(id: $id) { ... on User {
      consentState { consentType { code version } granted decidedVersion needsDecision }
      pendingConsents { code version } } } }"#;
    let me = json!({ "id": global_id("User", owner.id) });
    let state_of = |response: &Value, code: &str| {
        response["data"]["node"]["consentState"]
            .as_array()
            .expect("a state per consent")
            .iter()
            .find(|status| status["consentType"]["code"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("no state of {code}: {response}"))
    };
    let pending = |response: &Value| -> Vec<String> {
        let listed = response["data"]["node"]["pendingConsents"].as_array();
        let codes = listed.expect("the viewer's pending consents").iter();
        codes
            .map(|kind| kind["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let response = world.query(Some(owner), query, me.clone()).await;
    assert!(response.get("errors").is_none(), "{response}");
    let expected = json!({ "consentType": { "code": "world_newsletter", "version": 1 },
        "granted": true, "decidedVersion": 1, "needsDecision": false });
    assert_eq!(state_of(&response, "world_newsletter"), expected);
    let undecided = json!({ "consentType": { "code": "analytics", "version": 1 },
        "granted": null, "decidedVersion": null, "needsDecision": true });
    assert_eq!(state_of(&response, "analytics"), undecided);
    assert_eq!(
        pending(&response),
        ["analytics", "data_sharing", "marketing"]
    );

    // A new wording: the grant of version 1 stands, and version 2 awaits a decision.
    let second = uuid::Uuid::now_v7();
    crate::rows::consent_type("world_newsletter", 2)
        .set("id", second)
        .insert(&world.app.db)
        .await
        .expect("version 2");
    let response = world.query(Some(owner), query, me.clone()).await;
    let renewed = json!({ "consentType": { "code": "world_newsletter", "version": 2 },
        "granted": true, "decidedVersion": 1, "needsDecision": true });
    assert_eq!(state_of(&response, "world_newsletter"), renewed);
    assert!(pending(&response).contains(&"world_newsletter".to_owned()));

    let withdraw = r#"mutation($input: ConsentInput!) {
      withdrawConsent(input: $input) { consent { id } } }"#;
    let input = json!({ "input": { "consentTypeId": global_id("ConsentType", second) } });
    let withdrawn = world.query(Some(owner), withdraw, input).await;
    assert!(withdrawn.get("errors").is_none(), "{withdrawn}");
    let response = world.query(Some(owner), query, me).await;
    let decided = json!({ "consentType": { "code": "world_newsletter", "version": 2 },
        "granted": false, "decidedVersion": 2, "needsDecision": false });
    assert_eq!(state_of(&response, "world_newsletter"), decided);
    assert!(!pending(&response).contains(&"world_newsletter".to_owned()));

    // Another person's pending consents are nobody else's business, even an admin's.
    let member = json!({ "id": global_id("User", world.alpha.person("member").id) });
    let response = world
        .query(Some(world.alpha.person("admin")), query, member)
        .await;
    assert_eq!(
        response["data"]["node"]["pendingConsents"],
        Value::Null,
        "{response}"
    );
    assert!(
        response["data"]["node"]["consentState"].is_array(),
        "{response}"
    );
}
