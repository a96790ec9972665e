//! Relay cursor connections, proven on `Organization.assessments`: every row exactly once and
//! in order, whatever the page size and direction, even where hundreds of rows share a few
//! timestamps; paging arguments checked; filters that agree with `totalCount`; and nested
//! connections paged per parent.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::assessments;
use entity::enums::{AssessmentStatus, AssessmentType};
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::rows;
use crate::world::{Person, World, error_codes, global_id};

/// The biggest page a client may ask for.
const MAX_PAGE_SIZE: usize = 100;

/// Walks run side by side, each sequential, so all page sizes take seconds, not minutes.
const CONCURRENT_WALKS: usize = 8;

/// One page of an organisation's assessments, with the viewer beside it so a test sees that
/// a refused argument leaves the rest of the response standing.
const ASSESSMENTS: &str = r#"
query Assessments($org: ID!, $first: Int, $after: String, $last: Int, $before: String,
                  $filter: AssessmentFilter, $orderBy: AssessmentOrder) {
  viewer { id }
  organization(id: $org) {
    assessments(first: $first, after: $after, last: $last, before: $before,
                filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
    }
  }
}"#;

/// Asks for a page of alpha's assessments as `viewer`; `arguments` are the connection's
/// arguments as variables (`first`, `after`, `filter`, `orderBy`, …).
async fn alpha_assessments(world: &World, viewer: &Person, arguments: Value) -> Value {
    let mut variables = json!({ "org": global_id("Organization", world.alpha.id) });
    let extra = arguments.as_object().expect("arguments are an object");
    variables
        .as_object_mut()
        .expect("an object")
        .extend(extra.clone());
    world.query(Some(viewer), ASSESSMENTS, variables).await
}

/// The connection in a response that must have no errors.
fn connection_of(response: &Value) -> &Value {
    assert!(response.get("errors").is_none(), "{response}");
    &response["data"]["organization"]["assessments"]
}

/// The node IDs of a connection's edges, in order.
fn edge_ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"]["id"].as_str().expect("a node ID").to_owned())
        .collect()
}

/// The `Assessment` global IDs of `rows`, newest first then by descending ID (compared as
/// `Uuid`s, i.e. by their bytes): the default order of `Organization.assessments`, computed
/// here rather than by the database.
fn newest_first(mut rows: Vec<assessments::Model>) -> Vec<String> {
    rows.sort_by_key(|row| Reverse((row.created_at, row.id)));
    rows.iter()
        .map(|row| global_id("Assessment", row.id))
        .collect()
}

/// Every stored assessment of `organization`.
async fn stored_assessments(
    db: &DatabaseConnection,
    organization: Uuid,
) -> Vec<assessments::Model> {
    assessments::Entity::find()
        .filter(assessments::Column::OrganizationId.eq(organization))
        .all(db)
        .await
        .expect("assessments read")
}

/// Fails naming the duplicated and the missing rows first, then any difference in order.
fn assert_same_rows_in_order(actual: &[String], expected: &[String], context: &str) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for id in actual {
        *seen.entry(id.as_str()).or_default() += 1;
    }
    let duplicated: Vec<_> = seen.iter().filter(|(_, times)| **times > 1).collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|id| !seen.contains_key(id.as_str()))
        .collect();
    assert!(
        duplicated.is_empty() && missing.is_empty(),
        "{context}: rows seen more than once: {duplicated:?}; rows never seen: {missing:?}"
    );
    let first_difference = actual.iter().zip(expected).position(|(a, e)| a != e);
    assert_eq!(actual.len(), expected.len(), "{context}: unexpected rows");
    assert_eq!(
        first_difference, None,
        "{context}: rows out of order from position {first_difference:?}"
    );
}

/// Which way a walk pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// `first: n, after: endCursor`.
    Forward,
    /// `last: n, before: startCursor`.
    Backward,
}

/// Alpha's assessments: the fixture's one, and 250 more on 25 instants, ten to an instant
/// with random IDs, so most neighbours tie on `createdAt` and only the ID orders them.
struct TiedList {
    world: World,
    /// The expected default order.
    newest_first: Vec<String>,
}

impl TiedList {
    const INSTANTS: i64 = 25;
    const ROWS_PER_INSTANT: usize = 10;
    const ROWS: usize = 1 + Self::INSTANTS as usize * Self::ROWS_PER_INSTANT;

    async fn new() -> Self {
        let world = World::new().await;
        let db = &world.app.db;
        let alpha = world.alpha.id;
        let owner = world.alpha.person("owner").id;
        let fixture_created = assessments::Entity::find_by_id(world.alpha.assessment)
            .one(db)
            .await
            .expect("assessment read")
            .expect("the fixture's assessment")
            .created_at;
        // Minutes around the fixture's own instant, which one group shares with it.
        for minute in 0..Self::INSTANTS {
            let at = fixture_created + Duration::minutes(minute - Self::INSTANTS / 2);
            for _ in 0..Self::ROWS_PER_INSTANT {
                rows::assessment(Uuid::new_v4(), alpha, owner)
                    .set("created_at", at)
                    .insert(db)
                    .await
                    .expect("assessment");
            }
        }
        let newest_first = newest_first(stored_assessments(db, alpha).await);
        assert_eq!(newest_first.len(), Self::ROWS);
        Self {
            world,
            newest_first,
        }
    }

    fn oldest_first(&self) -> Vec<String> {
        self.newest_first.iter().rev().cloned().collect()
    }

    /// Pages through the whole list `size` rows at a time, checking every page on the way,
    /// and returns the IDs in list order.
    async fn walk(&self, walk: Walk, size: usize, order_by: &Value) -> Vec<String> {
        let context = format!("{walk:?} by {size}, orderBy {order_by}");
        let owner = self.world.alpha.person("owner");
        let mut pages: Vec<Vec<String>> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            assert!(pages.len() < Self::ROWS, "{context}: the walk does not end");
            let arguments = match walk {
                Walk::Forward => json!({ "first": size, "after": cursor, "orderBy": order_by }),
                Walk::Backward => json!({ "last": size, "before": cursor, "orderBy": order_by }),
            };
            let response = alpha_assessments(&self.world, owner, arguments).await;
            let connection = connection_of(&response);
            let page = pages.len();
            assert_eq!(
                connection["totalCount"],
                Self::ROWS,
                "{context}, page {page}: totalCount counts every page"
            );
            let edges = connection["edges"].as_array().expect("edges");
            let info = &connection["pageInfo"];
            let cursor_at =
                |edge: Option<&Value>| edge.map_or(Value::Null, |e| e["cursor"].clone());
            assert_eq!(
                info["startCursor"],
                cursor_at(edges.first()),
                "{context}, page {page}"
            );
            assert_eq!(
                info["endCursor"],
                cursor_at(edges.last()),
                "{context}, page {page}"
            );
            let (ahead, behind) = match walk {
                Walk::Forward => ("hasNextPage", "hasPreviousPage"),
                Walk::Backward => ("hasPreviousPage", "hasNextPage"),
            };
            assert_eq!(
                info[behind],
                cursor.is_some(),
                "{context}, page {page}: rows lie behind every page but the first"
            );
            let more = info[ahead].as_bool().expect("a boolean");
            if more {
                assert_eq!(
                    edges.len(),
                    size,
                    "{context}, page {page}: a page before the last is full"
                );
            } else {
                assert!(
                    (1..=size).contains(&edges.len()),
                    "{context}, page {page}: the last page has 1 to {size} rows, not {}",
                    edges.len()
                );
            }
            let next = match walk {
                Walk::Forward => &info["endCursor"],
                Walk::Backward => &info["startCursor"],
            };
            cursor = next.as_str().map(str::to_owned);
            pages.push(edge_ids(connection));
            if !more {
                break;
            }
        }
        if walk == Walk::Backward {
            pages.reverse();
        }
        pages.concat()
    }

    /// Walks with every size in `sizes`, several walks at a time, and compares each result
    /// with `expected`.
    async fn walk_sizes(
        &self,
        walk: Walk,
        sizes: impl IntoIterator<Item = usize>,
        order_by: Value,
        expected: &[String],
    ) {
        let order_by = &order_by;
        let mut walks = futures_util::stream::iter(sizes)
            .map(|size| async move { (size, self.walk(walk, size, order_by).await) })
            .buffer_unordered(CONCURRENT_WALKS);
        while let Some((size, rows)) = walks.next().await {
            let context = format!("{walk:?} by {size}, orderBy {order_by}");
            assert_same_rows_in_order(&rows, expected, &context);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_forward_visits_every_row_once_in_order_at_every_page_size() {
    let list = TiedList::new().await;
    let expected = list.newest_first.clone();
    list.walk_sizes(Walk::Forward, 1..=MAX_PAGE_SIZE, Value::Null, &expected)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_backward_visits_every_row_once_in_order_at_every_page_size() {
    let list = TiedList::new().await;
    let expected = list.newest_first.clone();
    list.walk_sizes(Walk::Backward, 1..=MAX_PAGE_SIZE, Value::Null, &expected)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_oldest_first_visits_every_row_once_in_order_both_ways() {
    let list = TiedList::new().await;
    let oldest_first = json!({ "field": "CREATED_AT", "direction": "ASC" });
    let expected = list.oldest_first();
    let sizes = [1, 3, 10, 11, 64, 100];
    for walk in [Walk::Forward, Walk::Backward] {
        list.walk_sizes(walk, sizes, oldest_first.clone(), &expected)
            .await;
    }
}

#[tokio::test]
async fn bad_paging_arguments_are_refused_and_the_rest_of_the_response_stands() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let end_cursor = |response: Value| connection_of(&response)["pageInfo"]["endCursor"].clone();
    let default_order_cursor =
        end_cursor(alpha_assessments(&world, owner, json!({ "first": 1 })).await);
    let by_update = json!({ "field": "UPDATED_AT", "direction": "DESC" });
    let update_order_cursor = end_cursor(
        alpha_assessments(&world, owner, json!({ "first": 1, "orderBy": by_update })).await,
    );
    let members = world
        .query(
            Some(owner),
            "query($org: ID!) { organization(id: $org) { members(first: 1) { pageInfo { endCursor } } } }",
            json!({ "org": global_id("Organization", world.alpha.id) }),
        )
        .await;
    let member_cursor = members["data"]["organization"]["members"]["pageInfo"]["endCursor"].clone();
    assert!(
        default_order_cursor.is_string()
            && update_order_cursor.is_string()
            && member_cursor.is_string()
    );

    let cases = [
        ("first above the limit", json!({ "first": 101 }), "first"),
        ("last above the limit", json!({ "last": 101 }), "last"),
        ("negative first", json!({ "first": -1 }), "first"),
        (
            "first and last together",
            json!({ "first": 1, "last": 1 }),
            "last",
        ),
        (
            "a garbage cursor",
            json!({ "first": 1, "after": "garbage" }),
            "after",
        ),
        (
            "a cursor of another order",
            json!({ "first": 1, "after": update_order_cursor }),
            "after",
        ),
        (
            "a cursor of another list",
            json!({ "first": 1, "after": member_cursor }),
            "after",
        ),
        (
            "after with last",
            json!({ "last": 1, "after": default_order_cursor }),
            "after",
        ),
        (
            "before with first",
            json!({ "first": 1, "before": default_order_cursor }),
            "before",
        ),
    ];
    for (case, arguments, field) in cases {
        let response = alpha_assessments(&world, owner, arguments).await;
        assert_eq!(
            error_codes(&response),
            ["BAD_USER_INPUT"],
            "{case}: {response}"
        );
        let error = &response["errors"][0];
        assert_eq!(error["extensions"]["field"], field, "{case}: {response}");
        assert_eq!(
            error["path"],
            json!(["organization", "assessments"]),
            "{case}"
        );
        assert_eq!(
            response["data"],
            json!({ "viewer": { "id": global_id("User", owner.id) }, "organization": null }),
            "{case}: no assessments, and the viewer still answered"
        );
    }

    let unchanged = alpha_assessments(&world, owner, json!({ "first": 1 })).await;
    assert_eq!(
        end_cursor(unchanged),
        default_order_cursor,
        "later requests are unaffected"
    );
}

/// An instant of the filter test's rows, well before the fixture's own assessments.
fn hour(hour: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + Duration::hours(hour)
}

#[tokio::test]
async fn filters_select_the_matching_rows_and_total_count_agrees() {
    let world = World::new().await;
    let db = &world.app.db;
    let (alpha, owner, member) = (
        world.alpha.id,
        world.alpha.person("owner"),
        world.alpha.person("member"),
    );
    let types = ["bpm", "leadership", "ai_readiness"];
    let statuses = ["in_progress", "completed", "archived", "completed"];
    // One row an hour, so rows sit exactly on the ends of the time range asked for below.
    for index in 0..12_usize {
        let status = statuses[index % statuses.len()];
        let respondent = if index % 2 == 0 { owner.id } else { member.id };
        let mut row = rows::assessment(Uuid::new_v4(), alpha, respondent)
            .set("assessment_type", types[index % types.len()])
            .set("status", status)
            .set("created_at", hour(index as i64));
        if status != "in_progress" {
            row = row.set("completed_at", hour(index as i64 + 1));
        }
        row.insert(db).await.expect("assessment");
    }
    let stored = stored_assessments(db, alpha).await;
    assert_eq!(stored.len(), 13, "twelve rows and the fixture's");

    type Matches = fn(&assessments::Model, &World) -> bool;
    let cases: [(&str, Value, Matches); 8] = [
        (
            "two types",
            json!({ "assessmentTypes": ["LEADERSHIP", "AI_READINESS"] }),
            |row, _| {
                matches!(
                    row.assessment_type,
                    AssessmentType::Leadership | AssessmentType::AiReadiness
                )
            },
        ),
        (
            "one status",
            json!({ "statuses": ["COMPLETED"] }),
            |row, _| row.status == AssessmentStatus::Completed,
        ),
        (
            "two statuses",
            json!({ "statuses": ["IN_PROGRESS", "ARCHIVED"] }),
            |row, _| row.status != AssessmentStatus::Completed,
        ),
        (
            "created from (inclusive) and before (exclusive)",
            json!({ "createdFrom": hour(3), "createdBefore": hour(7) }),
            |row, _| row.created_at >= hour(3) && row.created_at < hour(7),
        ),
        (
            "created from only",
            json!({ "createdFrom": hour(9) }),
            |row, _| row.created_at >= hour(9),
        ),
        (
            "respondent",
            json!({ "respondentId": global_id("User", world.alpha.person("member").id) }),
            |row, world| row.user_id == world.alpha.person("member").id,
        ),
        (
            "all together",
            json!({
                "assessmentTypes": ["BPM", "LEADERSHIP"],
                "statuses": ["COMPLETED"],
                "createdBefore": hour(11),
                "respondentId": global_id("User", owner.id),
            }),
            |row, world| {
                matches!(
                    row.assessment_type,
                    AssessmentType::Bpm | AssessmentType::Leadership
                ) && row.status == AssessmentStatus::Completed
                    && row.created_at < hour(11)
                    && row.user_id == world.alpha.person("owner").id
            },
        ),
        (
            "a respondent of another organisation",
            json!({ "respondentId": global_id("User", world.beta.person("owner").id) }),
            |_, _| false,
        ),
    ];
    for (case, filter, matches) in cases {
        let expected = newest_first(
            stored
                .iter()
                .filter(|row| matches(row, &world))
                .cloned()
                .collect(),
        );
        let response =
            alpha_assessments(&world, owner, json!({ "first": 100, "filter": filter })).await;
        let connection = connection_of(&response);
        assert!(expected.len() < stored.len(), "{case}: leaves rows out");
        assert_same_rows_in_order(&edge_ids(connection), &expected, case);
        assert_eq!(connection["totalCount"], expected.len(), "{case}");
        let smaller_page =
            alpha_assessments(&world, owner, json!({ "first": 2, "filter": filter })).await;
        assert_eq!(
            connection_of(&smaller_page)["totalCount"],
            expected.len(),
            "{case}: totalCount does not depend on the page"
        );
    }
}

#[tokio::test]
async fn a_malformed_respondent_id_is_bad_user_input_naming_the_filter_field() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    for respondent in [
        "not an ID".to_owned(),
        global_id("User", "not-a-uuid"),
        global_id("Organization", world.alpha.id),
    ] {
        let filter = json!({ "respondentId": respondent });
        let response =
            alpha_assessments(&world, owner, json!({ "first": 10, "filter": filter })).await;
        assert_eq!(
            error_codes(&response),
            ["BAD_USER_INPUT"],
            "{respondent}: {response}"
        );
        assert_eq!(
            response["errors"][0]["extensions"]["field"], "filter.respondentId",
            "{response}"
        );
        assert_eq!(response["data"]["organization"], Value::Null, "{response}");
    }
}

#[tokio::test]
async fn nested_connections_page_each_parent_on_its_own() {
    let world = World::new().await;
    let db = &world.app.db;
    // Three more each, interleaved in time, so one page across both would be mixed.
    for (index, org) in [&world.alpha, &world.beta].into_iter().enumerate() {
        for round in 0..3 {
            rows::assessment(Uuid::new_v4(), org.id, org.person("member").id)
                .set("created_at", hour(2 * round + index as i64))
                .insert(db)
                .await
                .expect("assessment");
        }
    }
    let mut expected = BTreeMap::new();
    for org in [&world.alpha, &world.beta] {
        let own = newest_first(stored_assessments(db, org.id).await);
        assert_eq!(own.len(), 4);
        expected.insert(
            global_id("Organization", org.id),
            json!({ "totalCount": 4, "ids": own[..2] }),
        );
    }

    let response = world
        .query(
            Some(&world.platform_admin),
            "{ organizations { edges { node { id
                 assessments(first: 2) { totalCount edges { node { id } } } } } } }",
            json!({}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let actual: BTreeMap<String, Value> = response["data"]["organizations"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            let assessments = &node["assessments"];
            (
                node["id"].as_str().expect("an ID").to_owned(),
                json!({ "totalCount": assessments["totalCount"], "ids": edge_ids(assessments) }),
            )
        })
        .collect();
    assert_eq!(
        actual, expected,
        "each organisation's own newest two, and its own count"
    );
}
