//! A read replica (`ORGRAPH_DATABASE_READ_URL`): a second database stands in for it, empty of
//! the world's rows, so what a query answers shows where it read; `/metrics` counts the
//! statements each pool took.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::metrics::sample;
use crate::world::{Person, VIEWER_READ, World};

const ORGANIZATIONS: &str = "{ organizations(first: 5) { totalCount nodes { slug } } }";

const RETITLE: &str =
    "mutation { updateMyProfile(input: { title: \"Replicated\" }) { user { title } } }";

/// A world on a primary whose queries read from a replica of its own, and that replica; a
/// person's queries read from the primary for `window_seconds` after their mutation.
async fn world_with_replica(window_seconds: u64) -> (World, TestDb) {
    let replica = migrated_database().await;
    let url = replica.url.clone();
    let app = spawn_app_with(|settings| {
        settings.database_read_url = Some(url);
        settings.read_your_writes_seconds = window_seconds;
    })
    .await;
    (World::on(app).await, replica)
}

/// Statements the primary and the replica have taken so far.
async fn pool_statements(world: &World) -> (f64, f64) {
    let text = world.app.metrics().await;
    let pool = |pool: &str| {
        sample(&text, "orgraph_sql_statements_total", &[("pool", pool)]).unwrap_or(0.0)
    };
    (pool("primary"), pool("replica"))
}

/// Runs `query` as `person` and returns its answer and the statements each pool took for it.
async fn counted(world: &World, person: &Person, query: &str) -> (Value, (f64, f64)) {
    let before = pool_statements(world).await;
    let answer = world.query(Some(person), query, json!({})).await;
    let after = pool_statements(world).await;
    (answer, (after.0 - before.0, after.1 - before.1))
}

/// How many organisations the answer of `ORGANIZATIONS` counts.
fn organizations(answer: &Value) -> u64 {
    answer["data"]["organizations"]["totalCount"]
        .as_u64()
        .unwrap_or_else(|| panic!("{answer}"))
}

#[tokio::test]
async fn queries_read_from_the_replica_and_mutations_write_to_the_primary() {
    let (world, _replica) = world_with_replica(0).await;
    let owner = world.alpha.person("owner");
    let (answer, (primary, replica)) = counted(&world, owner, ORGANIZATIONS).await;
    // The viewer's memberships come from the primary; the organisations from the (empty) replica.
    assert_eq!(organizations(&answer), 0, "{answer}");
    assert_eq!(primary, VIEWER_READ as f64);
    assert!(replica >= 1.0, "{replica}");

    let (answer, (primary, replica)) = counted(&world, owner, RETITLE).await;
    assert_eq!(
        answer["data"]["updateMyProfile"]["user"]["title"], "Replicated",
        "{answer}"
    );
    assert!(primary > VIEWER_READ as f64, "{primary}");
    assert_eq!(replica, 0.0, "nothing of a mutation reads from the replica");

    // No read-your-writes window: the writer's next query is the replica's again.
    let (answer, (_, replica)) = counted(&world, owner, ORGANIZATIONS).await;
    assert_eq!(organizations(&answer), 0, "{answer}");
    assert!(replica >= 1.0, "{replica}");
}

#[tokio::test]
async fn a_writer_reads_from_the_primary_within_the_window_and_others_from_the_replica() {
    let (world, _replica) = world_with_replica(3600).await;
    let owner = world.alpha.person("owner");
    let other = world.beta.person("owner");
    let (answer, _) = counted(&world, owner, RETITLE).await;
    assert!(answer.get("errors").is_none(), "{answer}");

    let (answer, (primary, replica)) = counted(&world, owner, ORGANIZATIONS).await;
    assert_eq!(
        organizations(&answer),
        1,
        "the writer sees the primary: {answer}"
    );
    assert!(primary > VIEWER_READ as f64, "{primary}");
    assert_eq!(replica, 0.0);

    let (answer, (primary, replica)) = counted(&world, other, ORGANIZATIONS).await;
    assert_eq!(
        organizations(&answer),
        0,
        "someone else reads the replica: {answer}"
    );
    assert_eq!(primary, VIEWER_READ as f64);
    assert!(replica >= 1.0, "{replica}");
}
