//! Rate limits (`ORGRAPH_RATE_LIMIT_*`): a token bucket per person, or per client address for
//! callers without a token, refused with `429`, `RATE_LIMITED` and `Retry-After`. The buckets
//! fill by a fake clock the tests advance: nothing here waits for time to pass.

use std::time::Duration;

use governor::clock::FakeRelativeClock;
use orgraph::config::Settings;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::metrics::sample;
use crate::world::{World, bearer, error_codes};

const LEVELS: &str = "{ maturityLevels { level } }";

/// Two queries at once, then one every 30 s.
fn two_queries_a_minute(settings: &mut Settings) {
    settings.rate_limit_queries_per_minute = 2;
}

/// POSTs the public `LEVELS` query, with a token and an `X-Forwarded-For` when given.
async fn levels(
    app: &TestApp,
    authorization: Option<&str>,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": LEVELS }));
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    request.send().await.expect("the server answers")
}

/// Asserts `response` ran: 200 and data.
async fn assert_ran(response: reqwest::Response) {
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["data"]["maturityLevels"].is_array(), "{body}");
}

/// Asserts `response` is a refusal for an empty bucket, and returns its `Retry-After`.
async fn assert_limited(response: reqwest::Response) -> u64 {
    assert_eq!(response.status(), 429);
    let retry_after = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is whole seconds");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["RATE_LIMITED"], "{body}");
    assert!(body.get("data").is_none(), "nothing ran: {body}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], retry_after);
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("ORGRAPH_RATE_LIMIT_QUERIES_PER_MINUTE"),
        "{message}"
    );
    retry_after
}

/// How many queries `/metrics` counts as refused for the buckets of persons or addresses.
async fn refused_queries(app: &TestApp, limited_by: &str) -> f64 {
    let text = app.metrics().await;
    let labels = [("operation_type", "query"), ("limited_by", limited_by)];
    sample(&text, "orgraph_rate_limited_total", &labels)
        .unwrap_or_else(|| panic!("no orgraph_rate_limited_total for {limited_by}: {text}"))
}

#[tokio::test]
async fn an_empty_bucket_is_rate_limited_with_retry_after_and_refills_with_time() {
    let clock = FakeRelativeClock::default();
    let app = spawn_app_with_clock(&clock, two_queries_a_minute).await;
    assert_ran(levels(&app, None, None).await).await;
    assert_ran(levels(&app, None, None).await).await;
    assert_eq!(assert_limited(levels(&app, None, None).await).await, 30);

    clock.advance(Duration::from_secs(20));
    assert_eq!(assert_limited(levels(&app, None, None).await).await, 10);
    clock.advance(Duration::from_secs(10));
    assert_ran(levels(&app, None, None).await).await;
    assert_limited(levels(&app, None, None).await).await;
    clock.advance(Duration::from_secs(60));
    assert_ran(levels(&app, None, None).await).await;
    assert_ran(levels(&app, None, None).await).await;
    assert_limited(levels(&app, None, None).await).await;
    assert_eq!(refused_queries(&app, "address").await, 4.0);
}

#[tokio::test]
async fn each_person_has_a_bucket_of_their_own_beside_the_address() {
    let clock = FakeRelativeClock::default();
    let world = World::on(spawn_app_with_clock(&clock, two_queries_a_minute).await).await;
    let app = &world.app;
    let owner = bearer(world.alpha.person("owner"));
    let analyst = bearer(world.beta.person("analyst"));
    assert_ran(levels(app, Some(&owner), None).await).await;
    assert_ran(levels(app, Some(&owner), None).await).await;
    assert_limited(levels(app, Some(&owner), None).await).await;
    // The same address, another person: a full bucket; and the address's own is untouched.
    assert_ran(levels(app, Some(&analyst), None).await).await;
    assert_ran(levels(app, None, None).await).await;
    assert_ran(levels(app, Some(&analyst), None).await).await;
    assert_limited(levels(app, Some(&analyst), None).await).await;
    assert_limited(levels(app, Some(&owner), None).await).await;
    assert_eq!(refused_queries(app, "person").await, 3.0);
}

#[tokio::test]
async fn mutations_are_counted_apart_from_queries() {
    let clock = FakeRelativeClock::default();
    let world = World::on(
        spawn_app_with_clock(&clock, |settings| {
            settings.rate_limit_mutations_per_minute = 1;
        })
        .await,
    )
    .await;
    let owner = world.alpha.person("owner");
    let rename = "mutation { updateMyProfile(input: { title: \"Chief\" }) { user { title } } }";
    let first = world.query(Some(owner), rename, json!({})).await;
    assert_eq!(
        first["data"]["updateMyProfile"]["user"]["title"], "Chief",
        "{first}"
    );
    let second = world.query(Some(owner), rename, json!({})).await;
    assert_eq!(error_codes(&second), ["RATE_LIMITED"], "{second}");
    let message = second["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("mutation"), "{message}");
    // Queries are not limited here, however many mutations were refused.
    for _ in 0..5 {
        assert_ran(levels(&world.app, Some(&bearer(owner)), None).await).await;
    }
}

#[tokio::test]
async fn forwarded_for_is_ignored_from_an_untrusted_peer() {
    let clock = FakeRelativeClock::default();
    let app = spawn_app_with_clock(&clock, two_queries_a_minute).await;
    assert_ran(levels(&app, None, Some("203.0.113.1")).await).await;
    assert_ran(levels(&app, None, Some("203.0.113.2")).await).await;
    // Whatever the header says, the bucket is 127.0.0.1's, and it is empty.
    assert_limited(levels(&app, None, Some("203.0.113.3")).await).await;
    assert_limited(levels(&app, None, None).await).await;
}

#[tokio::test]
async fn forwarded_for_names_the_client_behind_a_trusted_proxy() {
    let clock = FakeRelativeClock::default();
    let app = spawn_app_with_clock(&clock, |settings| {
        two_queries_a_minute(settings);
        settings.trusted_proxies = Some("127.0.0.0/8".to_owned());
    })
    .await;
    assert_ran(levels(&app, None, Some("203.0.113.1")).await).await;
    assert_ran(levels(&app, None, Some("203.0.113.1")).await).await;
    assert_limited(levels(&app, None, Some("203.0.113.1")).await).await;
    // Another client behind the same proxy, and the client's own claim before the proxy's.
    assert_ran(levels(&app, None, Some("203.0.113.2")).await).await;
    assert_ran(levels(&app, None, Some("198.51.100.7, 203.0.113.2")).await).await;
    assert_limited(levels(&app, None, Some("203.0.113.2")).await).await;
    // Without the header, the proxy itself.
    assert_ran(levels(&app, None, None).await).await;
}

#[tokio::test]
async fn each_operation_of_a_batch_takes_a_token_and_a_refused_one_answers_in_its_slot() {
    let clock = FakeRelativeClock::default();
    let app = spawn_app_with_clock(&clock, |settings| {
        two_queries_a_minute(settings);
        settings.batch_max = 3;
    })
    .await;
    let batch = json!([{ "query": LEVELS }, { "query": LEVELS }, { "query": LEVELS }]);
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "two of the three ran");
    assert_eq!(response.headers()["retry-after"], "30");
    let answers: Vec<Value> = response.json().await.unwrap();
    assert!(
        answers[0]["data"]["maturityLevels"].is_array(),
        "{answers:?}"
    );
    assert!(
        answers[1]["data"]["maturityLevels"].is_array(),
        "{answers:?}"
    );
    assert_eq!(error_codes(&answers[2]), ["RATE_LIMITED"], "{answers:?}");
    assert_limited(levels(&app, None, None).await).await;
}

/// The address the audit log records for a profile change sent with `X-Forwarded-For:
/// 203.0.113.9`, on a server that trusts `trusted` as proxies.
async fn audited_address(trusted: Option<&str>) -> Option<String> {
    use entity::prelude::AuditLog;
    use sea_orm::{EntityTrait, QueryOrder};

    let trusted = trusted.map(str::to_owned);
    let world =
        World::on(spawn_app_with(|settings| settings.trusted_proxies = trusted).await).await;
    let owner = bearer(world.alpha.person("owner"));
    let retitle = "mutation { updateMyProfile(input: { title: \"Proxied\" }) { user { title } } }";
    let response = world
        .app
        .client
        .post(world.app.url("/graphql"))
        .header("authorization", owner)
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({ "query": retitle }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    let row = AuditLog::find()
        .order_by_desc(entity::audit_log::Column::Id)
        .one(&world.app.db)
        .await
        .unwrap()
        .expect("the change is audited");
    row.ip_address
}

#[tokio::test]
async fn the_audit_log_records_the_forwarded_address_behind_a_trusted_proxy_only() {
    assert_eq!(audited_address(None).await.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        audited_address(Some("127.0.0.1")).await.as_deref(),
        Some("203.0.113.9")
    );
}
