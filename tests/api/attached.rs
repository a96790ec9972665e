//! To-one relations read with their parents: an assessment's score and respondent, a
//! membership's person, an organisation's twin. They cost no statement of their own, and the
//! joined rows obey the same rules as their own lookups: a person the viewer may not know of is
//! `null` whether joined or looked up.

use entity::assessment_scores;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::rows;
use crate::world::{VIEWER_READ, World, global_id, shared_member};

const ASSESSMENT: &str = "query($id: ID!) { node(id: $id) { ... on Assessment { id \
                          score { id overallScore } respondent { id name } } } }";

const ORGANIZATION: &str = "query($id: ID!) { organization(id: $id) { digitalTwin { id } \
     assessments(first: 10) { edges { node { id score { id } respondent { id } } } } \
     members(first: 10) { nodes { role user { id name } } } } }";

#[tokio::test]
async fn an_assessment_with_its_score_and_respondent_is_one_statement_after_the_viewer() {
    let world = World::new().await;
    let alpha = &world.alpha;
    let (response, statements) = world
        .query_counted(
            Some(alpha.person("member")),
            ASSESSMENT,
            json!({ "id": global_id("Assessment", alpha.assessment) }),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let node = &response["data"]["node"];
    assert_eq!(
        node["score"]["id"],
        json!(global_id("AssessmentScore", alpha.score))
    );
    assert_eq!(
        node["respondent"]["id"],
        json!(global_id("User", alpha.person("owner").id))
    );
    assert_eq!(statements, VIEWER_READ + 1, "{response}");
}

#[tokio::test]
async fn an_organisation_reads_its_twin_and_each_list_its_people_and_scores_in_one_statement() {
    let world = World::new().await;
    let alpha = &world.alpha;
    let (response, statements) = world
        .query_counted(
            Some(alpha.person("member")),
            ORGANIZATION,
            json!({ "id": global_id("Organization", alpha.id) }),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let organization = &response["data"]["organization"];
    assert_eq!(
        organization["digitalTwin"]["id"],
        json!(global_id("DigitalTwin", alpha.twin))
    );
    let assessment = &organization["assessments"]["edges"][0]["node"];
    assert_eq!(
        assessment["score"]["id"],
        json!(global_id("AssessmentScore", alpha.score))
    );
    let people: Vec<&Value> = organization["members"]["nodes"]
        .as_array()
        .expect("members")
        .iter()
        .map(|member| &member["user"]["id"])
        .collect();
    assert_eq!(people.len(), alpha.people.len());
    assert!(people.iter().all(|id| id.is_string()), "{organization}");
    // The viewer; the organisation with its twin; the assessments with scores and
    // respondents; the members with their people.
    assert_eq!(statements, VIEWER_READ + 3, "{response}");
}

#[tokio::test]
async fn a_joined_person_follows_the_rules_of_their_own_lookup() {
    let world = World::new().await;
    let alpha = &world.alpha;
    // Someone who answered in alpha but is no member of any organisation now, and someone
    // whose account is deleted: neither may be known to alpha's members.
    let stranger = Uuid::now_v7();
    rows::user(stranger, "gone@nowhere.example")
        .insert(&world.app.db)
        .await
        .expect("user");
    let deleted = Uuid::now_v7();
    rows::user(deleted, "deleted@alpha.example")
        .set("deleted_at", chrono::Utc::now())
        .insert(&world.app.db)
        .await
        .expect("user");
    rows::member(alpha.id, deleted)
        .insert(&world.app.db)
        .await
        .expect("membership");
    let mut assessments = Vec::new();
    for respondent in [stranger, deleted] {
        let id = Uuid::now_v7();
        rows::assessment(id, alpha.id, respondent)
            .insert(&world.app.db)
            .await
            .expect("assessment");
        assessments.push(id);
    }
    let member = alpha.person("member");
    for id in &assessments {
        let variables = json!({ "id": global_id("Assessment", id) });
        let joined = world
            .query(Some(member), ASSESSMENT, variables.clone())
            .await;
        assert_eq!(
            joined["data"]["node"]["respondent"],
            Value::Null,
            "{joined}"
        );
        assert_eq!(joined["data"]["node"]["score"], Value::Null, "{joined}");
        let alone = world
            .query(
                Some(member),
                "query($id: ID!) { node(id: $id) { ... on Assessment { id } } }",
                variables,
            )
            .await;
        assert_eq!(
            alone["data"]["node"]["id"],
            json!(global_id("Assessment", id))
        );
    }
    let listed = world
        .query(
            Some(member),
            ORGANIZATION,
            json!({ "id": global_id("Organization", alpha.id) }),
        )
        .await;
    let organization = &listed["data"]["organization"];
    for edge in organization["assessments"]["edges"]
        .as_array()
        .expect("edges")
    {
        let id = &edge["node"]["id"];
        if assessments
            .iter()
            .any(|key| *id == json!(global_id("Assessment", key)))
        {
            assert_eq!(edge["node"]["respondent"], Value::Null, "{edge}");
        }
    }
    let deleted_member = organization["members"]["nodes"]
        .as_array()
        .expect("members")
        .iter()
        .filter(|member| member["user"].is_null())
        .count();
    assert_eq!(
        deleted_member, 1,
        "the deleted person's membership has no person: {organization}"
    );
}

/// A respondent with a membership of the assessment's organisation is known to its members at
/// once; one who left it is known only to those who share another organisation with them.
#[tokio::test]
async fn a_respondent_who_left_is_known_only_through_another_shared_organisation() {
    let world = World::new().await;
    let (alpha, beta) = (&world.alpha, &world.beta);
    let db = &world.app.db;
    let left = Uuid::now_v7();
    rows::user(left, "left@beta.example")
        .insert(db)
        .await
        .unwrap();
    rows::member(beta.id, left).insert(db).await.unwrap();
    let answered = Uuid::now_v7();
    rows::assessment(answered, alpha.id, left)
        .insert(db)
        .await
        .unwrap();
    let (both, _) = shared_member(&world).await;

    let respondents = |response: &Value| -> Vec<(Value, Value)> {
        response["data"]["organization"]["assessments"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("assessments: {response}"))
            .iter()
            .map(|edge| {
                (
                    edge["node"]["id"].clone(),
                    edge["node"]["respondent"]["id"].clone(),
                )
            })
            .collect()
    };
    let organization = json!({ "id": global_id("Organization", alpha.id) });
    let node = json!({ "id": global_id("Assessment", answered) });
    let expected_owner = json!(global_id("User", alpha.person("owner").id));
    let who_left = json!(global_id("User", left));
    for (viewer, expected_left) in [(alpha.person("member"), Value::Null), (&both, who_left)] {
        let listed = respondents(
            &world
                .query(Some(viewer), ORGANIZATION, organization.clone())
                .await,
        );
        assert!(
            listed.contains(&(
                json!(global_id("Assessment", answered)),
                expected_left.clone()
            )),
            "{listed:?}"
        );
        assert!(
            listed.contains(&(
                json!(global_id("Assessment", alpha.assessment)),
                expected_owner.clone()
            )),
            "a member's respondent is known: {listed:?}"
        );
        let found = world.query(Some(viewer), ASSESSMENT, node.clone()).await;
        assert_eq!(
            found["data"]["node"]["respondent"]["id"], expected_left,
            "{found}"
        );
    }
}

#[tokio::test]
async fn another_organisations_member_reaches_nothing_through_a_join() {
    let world = World::new().await;
    let alpha = &world.alpha;
    for viewer in [world.beta.person("owner"), &world.outsider] {
        let (response, statements) = world
            .query_counted(
                Some(viewer),
                ASSESSMENT,
                json!({ "id": global_id("Assessment", alpha.assessment) }),
            )
            .await;
        assert_eq!(response, json!({ "data": { "node": null } }));
        // The read, then the viewer's own, which tells "nothing visible" from "not signed in".
        assert_eq!(statements, 2);
        let response = world
            .query(
                Some(viewer),
                ORGANIZATION,
                json!({ "id": global_id("Organization", alpha.id) }),
            )
            .await;
        assert_eq!(response, json!({ "data": { "organization": null } }));
    }
}

#[tokio::test]
async fn documents_are_read_only_when_selected_and_always_whole_when_they_are() {
    let world = World::new().await;
    let alpha = &world.alpha;
    let member = alpha.person("member");
    let db = &world.app.db;
    let recommendations = json!(["Write the processes down"]);
    assessment_scores::Entity::update_many()
        .col_expr(
            assessment_scores::Column::Recommendations,
            Expr::value(recommendations.clone()),
        )
        .col_expr(
            assessment_scores::Column::Swot,
            Expr::value(json!({ "strengths": ["people"] })),
        )
        .filter(assessment_scores::Column::Id.eq(alpha.score))
        .exec(db)
        .await
        .expect("score documents");
    // The list reads its scores without their documents; below, the same score is asked for
    // again, whole, through its assessment: it must not be answered with the lean row.
    let (response, statements) = world
        .query_counted(
            Some(member),
            "query($org: ID!) { organization(id: $org) { assessments(first: 10) { nodes {
               score { overallScore assessment { responses score { categoryScores recommendations nextSteps swot } } }
             } } } }",
            json!({ "org": global_id("Organization", alpha.id) }),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let listed = &response["data"]["organization"]["assessments"]["nodes"][0]["score"];
    assert_eq!(listed["overallScore"], json!(3.25));
    let again = &listed["assessment"];
    assert_eq!(again["responses"], json!({ "q1": 3 }));
    assert_eq!(
        again["score"]["categoryScores"],
        json!({ "strategy": "3.25" })
    );
    assert_eq!(
        again["score"]["recommendations"], recommendations,
        "{response}"
    );
    assert_eq!(again["score"]["nextSteps"], json!([]));
    assert_eq!(again["score"]["swot"], json!({ "strengths": ["people"] }));
    // The viewer; the organisation; its assessments with their scores; the assessment again
    // with its score; its answers and its score's documents, each by a lookup of its own.
    assert_eq!(statements, VIEWER_READ + 5, "{response}");

    // A list that does not select the documents does not read them.
    let (response, statements) = world
        .query_counted(
            Some(member),
            "query($org: ID!) { organization(id: $org) { assessments(first: 10) {
               edges { node { status score { overallScore } } } } } }",
            json!({ "org": global_id("Organization", alpha.id) }),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(statements, VIEWER_READ + 2, "{response}");

    // A list that selects them reads each kind for all its rows at once.
    let (response, statements) = world
        .query_counted(
            Some(member),
            "query($org: ID!) { organization(id: $org) { assessments(first: 10) {
               edges { node { responses score { recommendations swot } } } } } }",
            json!({ "org": global_id("Organization", alpha.id) }),
        )
        .await;
    let listed = &response["data"]["organization"]["assessments"]["edges"][0]["node"];
    assert_eq!(listed["responses"], json!({ "q1": 3 }), "{response}");
    assert_eq!(listed["score"]["recommendations"], recommendations);
    assert_eq!(listed["score"]["swot"], json!({ "strengths": ["people"] }));
    assert_eq!(statements, VIEWER_READ + 4, "{response}");

    // So does a page per parent (each member's assessments), whose rows are numbered in a
    // subquery that reads the documents only when they are selected.
    let response = world
        .query(
            Some(member),
            "query($org: ID!) { organization(id: $org) { members(first: 10) { nodes {
               user { assessments(first: 5) { nodes { responses } } } } } } }",
            json!({ "org": global_id("Organization", alpha.id) }),
        )
        .await;
    let members = response["data"]["organization"]["members"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("members: {response}"));
    assert!(members.len() > 1, "pages for several parents: {response}");
    let answers: Vec<&Value> = members
        .iter()
        .filter_map(|member| member["user"]["assessments"]["nodes"].as_array())
        .flatten()
        .map(|assessment| &assessment["responses"])
        .collect();
    assert!(answers.contains(&&json!({ "q1": 3 })), "{response}");
}
