//! Every field answers the same whether it is selected alone or with every other field of its
//! type, on every way a row is read: by id, in a page, in pages of many parents, joined onto
//! its parent, and (for documents) by a lookup of its own. The fixture's columns hold values
//! that are not their type's default, which is what a column read wrong would show.

use std::collections::{BTreeMap, HashSet};

use entity::enums::AuditOperation;
use entity::{
    assessment_scores, assessments, consent_types, digital_twin_snapshots,
    organization_digital_twins, organization_invitations, organization_members, organizations,
    user_consents, users,
};
use orgraph::audit::{self, Change, Pseudonymizer, RequestMeta};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::TEST_JWT_SECRET;
use crate::rows;
use crate::world::{World, global_id};

/// Every way a row of each type is read; `SELECTION` stands for the fields asked for.
const READS: &[(&str, &str)] = &[
    (
        "Organization",
        "query($org: ID!) { organization(id: $org) { SELECTION } }",
    ),
    (
        "Organization",
        "query { organization(slug: \"alpha\") { SELECTION } }",
    ),
    (
        "Organization",
        "query($org: ID!) { node(id: $org) { ... on Organization { SELECTION } } }",
    ),
    (
        "Organization",
        "query { organizations(first: 10) { edges { node { SELECTION } } } }",
    ),
    (
        "Membership",
        "query($org: ID!) { organization(id: $org) { members(first: 10) { edges { node { \
         SELECTION } } } } }",
    ),
    (
        "User",
        "query($org: ID!) { organization(id: $org) { members(first: 10) { edges { node { \
         user { SELECTION } } } } } }",
    ),
    (
        "User",
        "query($user: ID!) { node(id: $user) { ... on User { SELECTION } } }",
    ),
    (
        "User",
        "query($assessment: ID!) { node(id: $assessment) { ... on Assessment { respondent { \
         SELECTION } } } }",
    ),
    (
        "Assessment",
        "query($org: ID!) { organization(id: $org) { assessments(first: 10) { edges { node { \
         SELECTION } } } } }",
    ),
    (
        "Assessment",
        "query($assessment: ID!) { node(id: $assessment) { ... on Assessment { SELECTION } } }",
    ),
    (
        "Assessment",
        "query($org: ID!) { organization(id: $org) { members(first: 10) { edges { node { \
         user { assessments(first: 5) { edges { node { SELECTION } } } } } } } } }",
    ),
    (
        "AssessmentScore",
        "query($assessment: ID!) { node(id: $assessment) { ... on Assessment { score { \
         SELECTION } } } }",
    ),
    (
        "AssessmentScore",
        "query($org: ID!) { organization(id: $org) { assessments(first: 10) { edges { node { \
         score { SELECTION } } } } } }",
    ),
    (
        "AssessmentScore",
        "query($score: ID!) { node(id: $score) { ... on AssessmentScore { SELECTION } } }",
    ),
    (
        "DigitalTwin",
        "query($org: ID!) { organization(id: $org) { digitalTwin { SELECTION } } }",
    ),
    (
        "DigitalTwinSnapshot",
        "query($org: ID!) { organization(id: $org) { digitalTwin { snapshots(first: 10) { \
         edges { node { SELECTION } } } } } }",
    ),
    (
        "Membership",
        "query($user: ID!) { node(id: $user) { ... on User { memberships(first: 10) { \
         edges { node { SELECTION } } } } } }",
    ),
    (
        "UserConsent",
        "query($user: ID!) { node(id: $user) { ... on User { consents(first: 10) { \
         edges { node { SELECTION } } } } } }",
    ),
    (
        "AuditEntry",
        "query($org: ID!) { organization(id: $org) { auditLog(first: 10) { \
         edges { node { SELECTION } } } } }",
    ),
    (
        "Invitation",
        "query($org: ID!) { organization(id: $org) { invitations(first: 10) { \
         edges { node { SELECTION } } } } }",
    ),
    (
        "Invitation",
        "query { viewer { invitations(onlyOpen: false) { SELECTION } } }",
    ),
    (
        "Invitation",
        "query($invitation: ID!) { node(id: $invitation) { ... on Invitation { SELECTION } } }",
    ),
    (
        "User",
        "query($org: ID!) { organization(id: $org) { marketingAudience { SELECTION } } }",
    ),
    (
        "DataRequest",
        "query($request: ID!) { node(id: $request) { ... on DataRequest { SELECTION } } }",
    ),
    (
        "DataRequest",
        "query($org: ID!) { organization(id: $org) { dataRequests { SELECTION } } }",
    ),
    (
        "DataRequest",
        "query { viewer { dataRequests { SELECTION } } }",
    ),
];

/// Every list of the schema is read by one of [`READS`], and every kind of object an
/// organisation owns: a new list or type fails here until it is read both ways above.
#[tokio::test]
async fn the_reads_cover_every_list_and_every_kind_of_object() {
    let world = World::new().await;
    let response = world
        .query(
            None,
            "{ __schema { types { name kind fields { name type { name kind ofType { name } } } } } }",
            json!({}),
        )
        .await;
    let types = response["data"]["__schema"]["types"]
        .as_array()
        .expect("the schema's types");
    for object in types.iter().filter(|kind| kind["kind"] == "OBJECT") {
        for field in object["fields"].as_array().into_iter().flatten() {
            let named = &field["type"]["ofType"]["name"];
            let named = if named.is_null() {
                &field["type"]["name"]
            } else {
                named
            };
            let is_list = named
                .as_str()
                .is_some_and(|name| name.ends_with("Connection"));
            let name = field["name"].as_str().expect("a field name");
            if is_list && object["name"] != "Query" {
                assert!(
                    READS
                        .iter()
                        .any(|(_, read)| read.contains(&format!(" {name}("))),
                    "no read goes through {}.{name}",
                    object["name"]
                );
            }
        }
    }
    let nodes = world
        .query(
            None,
            r#"{ __type(name: "Node") { possibleTypes { name } } }"#,
            json!({}),
        )
        .await;
    let public = ["ConsentType", "MaturityCriterion", "MaturityLevel"];
    for kind in nodes["data"]["__type"]["possibleTypes"]
        .as_array()
        .expect("node types")
    {
        let kind = kind["name"].as_str().expect("a name");
        assert!(
            public.contains(&kind) || READS.iter().any(|(read, _)| *read == kind),
            "no read shows {kind}"
        );
    }
}

/// Answers are read back by these aliases, which no field of the schema starts with.
const ALIAS: &str = "selected_";

#[tokio::test]
async fn every_field_answers_the_same_alone_as_with_every_other_field() {
    let world = World::new().await;
    fill_every_column(&world).await;
    let alpha = &world.alpha;
    let owner = alpha.person("owner");
    let variables = json!({
        "org": global_id("Organization", alpha.id),
        "user": global_id("User", owner.id),
        "assessment": global_id("Assessment", alpha.assessment),
        "score": global_id("AssessmentScore", alpha.score),
        "invitation": global_id("Invitation", alpha.invitation),
        "request": global_id("DataRequest", alpha.data_request),
    });
    let mut fields_of = BTreeMap::new();
    for (type_name, read) in READS {
        if !fields_of.contains_key(type_name) {
            fields_of.insert(*type_name, fields(&world, type_name).await);
        }
        let fields = &fields_of[type_name];
        let variables = used_variables(read, &variables);
        let every_field = fields
            .iter()
            .map(|(field, selection)| format!("{ALIAS}{field}: {field}{selection}"))
            .collect::<Vec<_>>()
            .join(" ");
        let all = world
            .query(
                Some(owner),
                &read.replace("SELECTION", &every_field),
                variables.clone(),
            )
            .await;
        assert!(all.get("errors").is_none(), "{read}: {all}");
        for (field, selection) in fields {
            let together = answers(&all, field);
            assert!(
                together.iter().any(is_not_a_default),
                "{type_name}.{field} holds only defaults in the fixture, so a column left out \
                 would go unnoticed ({read}): {together:?}"
            );
            let alone = world
                .query(
                    Some(owner),
                    &read.replace("SELECTION", &format!("{ALIAS}{field}: {field}{selection}")),
                    variables.clone(),
                )
                .await;
            assert!(alone.get("errors").is_none(), "{read} {field}: {alone}");
            assert_eq!(
                answers(&alone, field),
                together,
                "{type_name}.{field} alone, read by {read}"
            );
        }
    }
}

/// The fields of `type_name` that take no arguments, each with the selection it needs: none
/// for a scalar or enum, the same kind of fields of an object type one level down.
async fn fields(world: &World, type_name: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for (name, kind, target) in field_types(world, type_name).await {
        match kind.as_str() {
            "SCALAR" | "ENUM" => fields.push((name, String::new())),
            "OBJECT" => {
                let leaves: Vec<String> = field_types(world, &target)
                    .await
                    .into_iter()
                    .filter(|(_, kind, _)| kind == "SCALAR" || kind == "ENUM")
                    .map(|(name, _, _)| name)
                    .collect();
                fields.push((name, format!(" {{ {} }}", leaves.join(" "))));
            }
            _ => {}
        }
    }
    assert!(fields.len() > 3, "{type_name} has fields: {fields:?}");
    fields
}

/// The argument-free fields of `type_name`: name, kind and name of their named type.
async fn field_types(world: &World, type_name: &str) -> Vec<(String, String, String)> {
    let response = world
        .query(
            None,
            "query($name: String!) { __type(name: $name) { fields { name args { name } \
             type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } \
             } } }",
            json!({ "name": type_name }),
        )
        .await;
    let fields = response["data"]["__type"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{type_name} is a type with fields: {response}"));
    fields
        .iter()
        .filter(|field| field["args"].as_array().is_some_and(Vec::is_empty))
        .map(|field| {
            let mut named = &field["type"];
            while named["name"].is_null() {
                named = &named["ofType"];
            }
            (
                field["name"].as_str().expect("a name").to_owned(),
                named["kind"].as_str().expect("a kind").to_owned(),
                named["name"].as_str().expect("a name").to_owned(),
            )
        })
        .collect()
}

/// The variables among `all` that `read` declares.
fn used_variables(read: &str, all: &Value) -> Value {
    let declared: HashSet<&str> = read
        .split('$')
        .skip(1)
        .filter_map(|rest| rest.split(':').next())
        .collect();
    Value::Object(
        all.as_object()
            .expect("variables are an object")
            .iter()
            .filter(|(name, _)| declared.contains(name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
    )
}

/// What `response` answered for `field` (under its alias), everywhere, in document order.
fn answers(response: &Value, field: &str) -> Vec<Value> {
    fn collect(value: &Value, key: &str, found: &mut Vec<Value>) {
        match value {
            Value::Object(object) => {
                for (name, value) in object {
                    if name == key {
                        found.push(value.clone());
                    } else {
                        collect(value, key, found);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| collect(item, key, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    collect(&response["data"], &format!("{ALIAS}{field}"), &mut found);
    found
}

/// Whether `value` differs from what a column of any type holds when it is not read.
fn is_not_a_default(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::Number(number) => number.as_f64() != Some(0.0),
        Value::String(text) => !text.is_empty() && !text.starts_with("1970-01-01"),
        Value::Array(items) => !items.is_empty(),
        Value::Object(object) => !object.is_empty(),
        Value::Bool(true) => true,
    }
}

/// Gives alpha's rows a value that is not the default in every column the fixture leaves
/// empty.
async fn fill_every_column(world: &World) {
    let db = &world.app.db;
    let alpha = world.alpha.id;
    let people: Vec<Uuid> = world
        .alpha
        .people
        .values()
        .map(|person| person.id)
        .collect();
    let text = |value: &str| -> SimpleExpr { Expr::value(value.to_owned()) };
    let document = |value: Value| -> SimpleExpr { Expr::value(value) };
    organizations::Entity::update_many()
        .col_expr(
            organizations::Column::Settings,
            document(json!({ "theme": "dark" })),
        )
        .filter(organizations::Column::Id.eq(alpha))
        .exec(db)
        .await
        .expect("organisation");
    organization_members::Entity::update_many()
        .col_expr(organization_members::Column::Department, text("Research"))
        .filter(organization_members::Column::OrganizationId.eq(alpha))
        .exec(db)
        .await
        .expect("memberships");
    users::Entity::update_many()
        .col_expr(users::Column::Phone, text("+33 1 23 45 67 89"))
        .col_expr(users::Column::Title, text("Engineer"))
        .col_expr(users::Column::Timezone, text("Europe/Paris"))
        .col_expr(
            users::Column::LinkedinUrl,
            text("https://www.linkedin.com/in/ada"),
        )
        .col_expr(
            users::Column::ProfilePicUrl,
            text("https://example.com/ada.png"),
        )
        .filter(users::Column::Id.is_in(people))
        .exec(db)
        .await
        .expect("people");
    // Everyone in alpha opts in to marketing, so its audience lists people too.
    let marketing = consent_types::Entity::find()
        .filter(consent_types::Column::Code.eq("marketing"))
        .one(db)
        .await
        .expect("consent types")
        .expect("the marketing consent");
    for person in world.alpha.people.values() {
        rows::user_consent(person.id, marketing.id)
            .insert(db)
            .await
            .expect("a marketing opt-in");
    }
    assessments::Entity::update_many()
        .col_expr(
            assessments::Column::Metadata,
            document(json!({ "source": "test" })),
        )
        .filter(assessments::Column::OrganizationId.eq(alpha))
        .exec(db)
        .await
        .expect("assessments");
    assessment_scores::Entity::update_many()
        .col_expr(
            assessment_scores::Column::Recommendations,
            document(json!(["Automate invoicing"])),
        )
        .col_expr(
            assessment_scores::Column::NextSteps,
            document(json!(["Map the processes"])),
        )
        .col_expr(assessment_scores::Column::Insights, text("Strong basis"))
        .col_expr(
            assessment_scores::Column::Swot,
            document(json!({ "strengths": ["people"] })),
        )
        .filter(assessment_scores::Column::OrganizationId.eq(alpha))
        .exec(db)
        .await
        .expect("scores");
    organization_digital_twins::Entity::update_many()
        .col_expr(
            organization_digital_twins::Column::TechnologyInventory,
            document(json!({ "erp": "in use" })),
        )
        .col_expr(
            organization_digital_twins::Column::SkillsInventory,
            document(json!({ "data": 2 })),
        )
        .col_expr(
            organization_digital_twins::Column::ReadinessIndicators,
            document(json!({ "cloud": true })),
        )
        .filter(organization_digital_twins::Column::OrganizationId.eq(alpha))
        .exec(db)
        .await
        .expect("twin");
    user_consents::Entity::update_many()
        .col_expr(user_consents::Column::Source, text("signup_form"))
        .filter(user_consents::Column::Id.eq(world.alpha.consent))
        .exec(db)
        .await
        .expect("consent");
    // Audit rows are never updated: one more, with old values, through the audit module.
    audit::append(
        db,
        &Pseudonymizer::new(TEST_JWT_SECRET.as_bytes()),
        Change {
            organization_id: Some(alpha),
            actor_user_id: Some(world.alpha.person("owner").id),
            table_name: "organizations",
            record_id: alpha.to_string(),
            operation: AuditOperation::Update,
            old_values: Some(json!({ "name": "Alpha" })),
            new_values: Some(json!({ "name": "Alpha Ltd" })),
        },
        &RequestMeta {
            request_id: "columns".to_owned(),
            ip_address: None,
            user_agent: None,
        },
    )
    .await
    .expect("audit entry");
    digital_twin_snapshots::Entity::update_many()
        .col_expr(
            digital_twin_snapshots::Column::State,
            document(json!({ "maturity": 6 })),
        )
        .filter(digital_twin_snapshots::Column::OrganizationId.eq(alpha))
        .exec(db)
        .await
        .expect("snapshot");
    // Alpha's invitation answered, with every optional column; and invitations addressed to
    // alpha's owner, which the owner reads as the invitee.
    let now = chrono::Utc::now();
    organization_invitations::Entity::update_many()
        .col_expr(
            organization_invitations::Column::Department,
            text("Finance"),
        )
        .col_expr(
            organization_invitations::Column::CustomMessage,
            text("Welcome"),
        )
        .col_expr(organization_invitations::Column::Status, text("revoked"))
        .col_expr(organization_invitations::Column::Role, text("analyst"))
        .col_expr(
            organization_invitations::Column::RespondedAt,
            Expr::value(now),
        )
        .filter(organization_invitations::Column::Id.eq(world.alpha.invitation))
        .exec(db)
        .await
        .expect("a revoked invitation");
    let owner = &world.alpha.person("owner").email;
    rows::invitation(world.beta.id, owner)
        .set("inviter_id", world.beta.person("owner").id)
        .set("department", "Board")
        .set("custom_message", "Join us")
        .insert(db)
        .await
        .expect("an invitation to alpha's owner");
    rows::invitation(world.beta.id, owner)
        .set("status", "declined")
        .set("responded_at", now)
        .insert(db)
        .await
        .expect("an invitation alpha's owner declined");
    // How the owner joined alpha: an invitation of an organisation they now belong to.
    rows::invitation(alpha, owner)
        .set("inviter_id", world.alpha.person("admin").id)
        .set("status", "accepted")
        .set("responded_at", now)
        .insert(db)
        .await
        .expect("the invitation alpha's owner accepted");
}
