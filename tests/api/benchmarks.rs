//! Industry benchmarks through HTTP: a cohort of four is hidden and of five shown, figures move
//! only at a refresh, two organisations of a cohort see the same figures, withdrawing
//! `data_sharing` takes an organisation out, and no other organisation reaches any of it.

use async_graphql::dataloader::Loader;
use chrono::Utc;
use entity::prelude::{BenchmarkPosition, ConsentType};
use entity::{benchmark_positions, consent_types, organizations};
use orgraph::db::benchmarks::{CohortKey, PositionOfOrganization};
use orgraph::db::read::Reader;
use orgraph::jobs::{JobRunner, RefreshBenchmarks, RunResult};
use orgraph::service::benchmarks;
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::rows;
use crate::tenancy::scope_of;
use crate::world::{Person, World, global_id};

const BENCHMARK: &str = r#"query($id: ID!) { node(id: $id) { ... on Organization { benchmark {
  standing reason refreshedAt maturityPercentile
  cohort { industry companySize organizationCount
    maturity { organizationCount mean median p25 p75 }
    dimensions { key percentile statistics { organizationCount mean } } }
} } } }"#;

/// alpha and beta (retail, 51–200, each with a twin) and `more` organisations like them, their
/// twins at maturity 1.00, 2.00, …
async fn cohort_of(world: &World, more: u32) {
    for n in 1..=more {
        let id = Uuid::now_v7();
        rows::organization(id, &format!("peer-{}", &id.simple().to_string()[20..]))
            .insert(&world.app.db)
            .await
            .expect("an organisation");
        rows::twin(Uuid::now_v7(), id)
            .set("maturity_score", Decimal::from(n))
            .insert(&world.app.db)
            .await
            .expect("a twin");
    }
}

async fn refresh(world: &World) {
    benchmarks::refresh(&world.app.db, Utc::now())
        .await
        .expect("a refresh");
}

async fn benchmark(world: &World, person: &Person, organization: Uuid) -> Value {
    let id = global_id("Organization", organization);
    let response = world
        .query(Some(person), BENCHMARK, json!({ "id": id }))
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    response["data"]["node"]["benchmark"].clone()
}

#[tokio::test]
async fn a_cohort_of_four_is_hidden_and_of_five_shown() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");

    cohort_of(&world, 2).await;
    refresh(&world).await;
    let hidden = benchmark(&world, owner, world.alpha.id).await;
    assert_eq!(hidden["standing"], "SMALL_COHORT", "{hidden}");
    assert_eq!(hidden["cohort"], Value::Null);
    assert_eq!(hidden["maturityPercentile"], Value::Null);
    assert!(hidden["reason"].as_str().unwrap().contains("fewer than 5"));

    cohort_of(&world, 1).await;
    refresh(&world).await;
    let shown = benchmark(&world, owner, world.alpha.id).await;
    assert_eq!(shown["standing"], "RANKED", "{shown}");
    let cohort = &shown["cohort"];
    assert_eq!(cohort["industry"], "retail");
    assert_eq!(cohort["companySize"], "MEDIUM");
    assert_eq!(cohort["organizationCount"], 5);
    // Maturity 3.10 (alpha), 3.10 (beta), 1, 2, 1: sorted 1 1 2 3.1 3.1; mean 10.2 / 5 = 2.04;
    // median 2; p25 at 1 → 1; p75 at 3 → 3.1. alpha: 3 below, 2 equal: (3 + 1) / 5 = 80 %.
    assert_eq!(
        cohort["maturity"],
        json!({ "organizationCount": 5, "mean": 2.04, "median": 2.0, "p25": 1.0, "p75": 3.1 })
    );
    assert_eq!(shown["maturityPercentile"], 80.0);
    // Every fixture twin scores strategy 3.1: all equal, so each sits at the 50th percentile.
    assert_eq!(
        cohort["dimensions"],
        json!([{ "key": "strategy", "percentile": 50.0,
                 "statistics": { "organizationCount": 5, "mean": 3.1 } }])
    );
}

#[tokio::test]
async fn figures_move_only_at_a_refresh_and_are_the_same_for_the_whole_cohort() {
    let world = World::new().await;
    cohort_of(&world, 3).await;
    refresh(&world).await;
    let alpha = benchmark(&world, world.alpha.person("viewer"), world.alpha.id).await;
    let beta = benchmark(&world, world.beta.person("viewer"), world.beta.id).await;
    assert_eq!(
        alpha["cohort"], beta["cohort"],
        "one cohort, one set of figures"
    );

    // alpha's twin changes; asking again learns nothing until the next refresh.
    let recompute = r#"mutation($input: RecomputeDigitalTwinInput!) {
      recomputeDigitalTwin(input: $input) { changed } }"#;
    let input = json!({ "input": { "organizationId": global_id("Organization", world.alpha.id) } });
    let response = world
        .query(Some(world.alpha.person("owner")), recompute, input)
        .await;
    assert_eq!(
        response["data"]["recomputeDigitalTwin"]["changed"], true,
        "{response}"
    );
    let again = benchmark(&world, world.beta.person("viewer"), world.beta.id).await;
    assert_eq!(again, beta, "no figure moves between refreshes");

    refresh(&world).await;
    let refreshed = benchmark(&world, world.beta.person("viewer"), world.beta.id).await;
    assert_ne!(refreshed["refreshedAt"], beta["refreshedAt"]);
}

#[tokio::test]
async fn withdrawing_data_sharing_takes_the_organisation_out_at_the_next_refresh() {
    let world = World::new().await;
    cohort_of(&world, 3).await;
    refresh(&world).await;
    assert_eq!(
        benchmark(&world, world.beta.person("owner"), world.beta.id).await["standing"],
        "RANKED"
    );

    let sharing = ConsentType::find()
        .filter(consent_types::Column::Code.eq(orgraph::domain::consent::DATA_SHARING))
        .one(&world.app.db)
        .await
        .unwrap()
        .expect("the data_sharing consent type");
    let withdraw = r#"mutation($input: ConsentInput!) {
      withdrawConsent(input: $input) { consent { granted } } }"#;
    let input = json!({ "input": { "consentTypeId": global_id("ConsentType", sharing.id) } });
    let response = world
        .query(Some(world.alpha.person("owner")), withdraw, input)
        .await;
    assert_eq!(
        response["data"]["withdrawConsent"]["consent"]["granted"], false,
        "{response}"
    );
    refresh(&world).await;

    let alpha = benchmark(&world, world.alpha.person("owner"), world.alpha.id).await;
    assert_eq!(alpha["standing"], "NOT_SHARING", "{alpha}");
    assert_eq!(alpha["cohort"], Value::Null);
    // Four organisations remain: too few to describe.
    let beta = benchmark(&world, world.beta.person("owner"), world.beta.id).await;
    assert_eq!(beta["standing"], "SMALL_COHORT", "{beta}");
    assert_eq!(beta["cohort"], Value::Null);
}

#[tokio::test]
async fn another_organisations_member_reaches_no_benchmark_but_their_own() {
    let world = World::new().await;
    cohort_of(&world, 3).await;
    refresh(&world).await;
    let id = global_id("Organization", world.alpha.id);
    for stranger in [world.beta.person("owner"), &world.outsider] {
        let response = world
            .query(Some(stranger), BENCHMARK, json!({ "id": id }))
            .await;
        assert_eq!(response["data"]["node"], Value::Null, "{response}");
    }
    let own = benchmark(&world, world.alpha.person("viewer"), world.alpha.id).await;
    assert_eq!(own["standing"], "RANKED");
}

#[tokio::test]
async fn the_daily_job_refreshes_the_benchmarks_once_a_day() {
    let world = World::new().await;
    cohort_of(&world, 3).await;
    let runner = JobRunner::new(world.app.db.clone()).with_job(RefreshBenchmarks);
    let today = Utc::now();
    let reports = runner.run_due(today).await.expect("a tick");
    assert!(
        matches!(reports[0].result, RunResult::Succeeded { .. }),
        "{reports:?}"
    );
    let ranked = benchmark(&world, world.alpha.person("owner"), world.alpha.id).await;
    assert_eq!(
        ranked["standing"], "RANKED",
        "the job refreshed them: {ranked}"
    );

    let again = runner.run_due(today).await.expect("a second tick");
    assert!(
        matches!(again[0].result, RunResult::Skipped(_)),
        "{again:?}"
    );
}

#[tokio::test]
async fn the_scope_reads_no_standing_or_cohort_of_another_organisation() {
    let world = World::new().await;
    // beta declares another industry: alpha is ranked with four peers, beta alone in its own.
    BenchmarkPosition::delete_many()
        .exec(&world.app.db)
        .await
        .unwrap();
    organizations::Entity::update_many()
        .col_expr(organizations::Column::Industry, Expr::value("healthcare"))
        .filter(organizations::Column::Id.eq(world.beta.id))
        .exec(&world.app.db)
        .await
        .unwrap();
    cohort_of(&world, 4).await;
    refresh(&world).await;
    let cohort = BenchmarkPosition::find()
        .filter(benchmark_positions::Column::OrganizationId.eq(world.alpha.id))
        .one(&world.app.db)
        .await
        .unwrap()
        .and_then(|position| position.benchmark_id)
        .expect("alpha is ranked");
    let position = PositionOfOrganization(world.alpha.id);
    for (viewer, reads) in [
        (world.alpha.person("viewer").id, true),
        (world.beta.person("owner").id, false),
        (world.outsider.id, false),
    ] {
        let reader = Reader::new(world.app.db.clone(), scope_of(&world, viewer).await);
        let standing = reader.load(&[position]).await.expect("positions");
        assert_eq!(standing.contains_key(&position), reads, "{viewer}");
        let cohorts = reader.load(&[CohortKey(cohort)]).await.expect("cohorts");
        assert_eq!(cohorts.contains_key(&CohortKey(cohort)), reads, "{viewer}");
    }
}
