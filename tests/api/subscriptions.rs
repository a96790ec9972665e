//! Live dashboards: GraphQL over a websocket (`graphql-transport-ws`, and the legacy
//! `graphql-ws`), with a real client. Subscriptions start from `Organization.resumeToken`
//! read over HTTP, so an event written after that read reaches them whenever the subscription
//! got going: the tests await events, never sleep for them.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

use crate::helpers::{
    TEST_JWT_SECRET, TestApp, on_postgres, spawn_app_with, spawn_app_with_clock, spawn_process,
};
use crate::world::{Person, World, bearer, global_id};

/// How long anything awaited may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(15);

type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The request that opens a websocket to `/graphql` offering `protocol`.
fn upgrade(
    app: &TestApp,
    protocol: &str,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut request = format!("ws://{}/graphql", app.address)
        .into_client_request()
        .expect("a websocket request");
    let protocol = protocol.parse().expect("a header value");
    request
        .headers_mut()
        .insert("sec-websocket-protocol", protocol);
    request
}

/// A client's end of a GraphQL websocket.
struct Socket(Stream);

/// What the server sent: a message, or the close code it closed with.
#[derive(Debug)]
enum Received {
    Message(Value),
    Closed(Option<u16>),
}

impl Socket {
    /// Opens a websocket to `/graphql` offering `protocol`.
    async fn open(app: &TestApp, protocol: &str) -> Self {
        let (stream, response) = tokio_tungstenite::connect_async(upgrade(app, protocol))
            .await
            .expect("the websocket opens");
        assert_eq!(response.headers()["sec-websocket-protocol"], protocol);
        Self(stream)
    }

    /// Opens a `graphql-transport-ws` socket and signs in with `init`'s payload.
    async fn signed_in(app: &TestApp, init: Value) -> Self {
        let mut socket = Self::open(app, "graphql-transport-ws").await;
        socket
            .send(json!({ "type": "connection_init", "payload": init }))
            .await;
        let ack = socket.message().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        socket
    }

    /// A socket signed in as `person`.
    async fn of(app: &TestApp, person: &Person) -> Self {
        Self::signed_in(app, json!({ "Authorization": bearer(person) })).await
    }

    async fn send(&mut self, message: Value) {
        self.0
            .send(Message::text(message.to_string()))
            .await
            .expect("the message is sent");
    }

    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let payload = json!({ "query": query, "variables": variables });
        self.send(json!({ "type": "subscribe", "id": id, "payload": payload }))
            .await;
    }

    /// The next message the server sends, keep-alive pings included.
    async fn raw_message(&mut self) -> Value {
        match self.receive_any().await {
            Received::Message(message) => message,
            Received::Closed(code) => panic!("closed ({code:?}) instead of a message"),
        }
    }

    /// The next thing the server sends, keep-alive pings aside.
    async fn receive(&mut self) -> Received {
        loop {
            match self.receive_any().await {
                Received::Message(message) if message["type"] == "ping" => {}
                received => return received,
            }
        }
    }

    async fn receive_any(&mut self) -> Received {
        loop {
            let next = tokio::time::timeout(PATIENCE, self.0.next())
                .await
                .expect("the server answers in time");
            match next {
                Some(Ok(Message::Text(text))) => {
                    return Received::Message(serde_json::from_str(&text).expect("JSON"));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Received::Closed(frame.map(|frame| frame.code.into()));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Received::Closed(None),
            }
        }
    }

    async fn message(&mut self) -> Value {
        match self.receive().await {
            Received::Message(message) => message,
            Received::Closed(code) => panic!("closed ({code:?}) instead of a message"),
        }
    }

    /// The payload of the next `next` message, which must be for `id`.
    async fn next_payload(&mut self, id: &str) -> Value {
        let message = self.message().await;
        assert_eq!(
            (&message["type"], &message["id"]),
            (&json!("next"), &json!(id)),
            "{message}"
        );
        message["payload"].clone()
    }

    /// The next `next` message for `id`, which must carry these error codes and no data.
    async fn expect_errors(&mut self, id: &str, codes: &[&str]) {
        let payload = self.next_payload(id).await;
        assert_eq!(crate::world::error_codes(&payload), codes, "{payload}");
        assert!(payload["data"].is_null(), "{payload}");
    }

    /// The `error` message that refuses operation `id` with `code`.
    async fn expect_refused(&mut self, id: &str, code: &str) {
        let message = self.message().await;
        assert_eq!(
            (&message["type"], &message["id"]),
            (&json!("error"), &json!(id)),
            "{message}"
        );
        assert_eq!(
            message["payload"][0]["extensions"]["code"], code,
            "{message}"
        );
    }

    async fn expect_complete(&mut self, id: &str) {
        let message = self.message().await;
        assert_eq!(message, json!({ "type": "complete", "id": id }));
    }

    async fn close_code(&mut self) -> Option<u16> {
        match self.receive().await {
            Received::Closed(code) => code,
            Received::Message(message) => panic!("a message instead of the close: {message}"),
        }
    }
}

const EVENTS: &str = "subscription($org: ID!, $after: String, $types: [EventType!]) {
  organizationEvents(organizationId: $org, resumeToken: $after, types: $types) {
    type resumeToken subjectId organization { name }
  } }";

const MEMBERSHIPS: &str = "subscription($org: ID!, $after: String) {
  membershipChanged(organizationId: $org, resumeToken: $after) {
    type subjectId membership { id }
  } }";

const RENAME: &str = "mutation($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) { organization { name } } }";

/// The resume token of `organization` as of now, read over HTTP by `person`.
async fn resume_token(world: &World, person: &Person, organization: Uuid) -> String {
    let response = world
        .query(
            Some(person),
            "query($id: ID!) { organization(id: $id) { resumeToken } }",
            json!({ "id": global_id("Organization", organization) }),
        )
        .await;
    response["data"]["organization"]["resumeToken"]
        .as_str()
        .unwrap_or_else(|| panic!("a resume token: {response}"))
        .to_owned()
}

/// Renames `organization` over HTTP as `person`.
async fn rename(world: &World, person: &Person, organization: Uuid, name: &str) {
    let input = json!({ "organizationId": global_id("Organization", organization), "name": name });
    let response = world
        .query(Some(person), RENAME, json!({ "input": input }))
        .await;
    assert!(response.get("errors").is_none(), "{response}");
}

/// A socket of `person` subscribed (as operation `id`) to `query` on alpha, from now on.
async fn subscribed_to_alpha(world: &World, person: &Person, id: &str, query: &str) -> Socket {
    let after = resume_token(world, person, world.alpha.id).await;
    let mut socket = Socket::of(&world.app, person).await;
    socket
        .subscribe(id, query, variables(world.alpha.id, &after))
        .await;
    socket
}

/// `person`'s membership of alpha.
async fn alpha_membership(world: &World, person: &Person) -> entity::organization_members::Model {
    entity::organization_members::Entity::find()
        .filter(entity::organization_members::Column::UserId.eq(person.id))
        .filter(entity::organization_members::Column::OrganizationId.eq(world.alpha.id))
        .one(&world.app.db)
        .await
        .unwrap()
        .expect("a membership of alpha")
}

fn variables(organization: Uuid, after: &str) -> Value {
    json!({ "org": global_id("Organization", organization), "after": after })
}

#[tokio::test]
async fn a_subscriber_receives_its_organisations_events_as_it_sees_them() {
    let world = World::new().await;
    let viewer = world.alpha.person("viewer");
    let mut socket = subscribed_to_alpha(&world, viewer, "1", EVENTS).await;
    // Beta's activity is none of alpha's subscriber's business.
    let (alpha_owner, beta_owner) = (world.alpha.person("owner"), world.beta.person("owner"));
    rename(&world, beta_owner, world.beta.id, "Beta 2").await;
    rename(&world, alpha_owner, world.alpha.id, "Alpha 2").await;
    let payload = socket.next_payload("1").await;
    let event = &payload["data"]["organizationEvents"];
    assert_eq!(event["type"], "ORGANIZATION_UPDATED", "{payload}");
    assert_eq!(event["organization"]["name"], "Alpha 2");
    assert_eq!(
        event["subjectId"],
        global_id("Organization", world.alpha.id)
    );
    assert!(payload.get("errors").is_none(), "{payload}");
    assert!(event["resumeToken"].is_string(), "{payload}");
}

#[tokio::test]
async fn another_organisations_member_gets_not_found_and_nothing_else() {
    let world = World::new().await;
    for person in [world.beta.person("owner"), &world.outsider] {
        let after = resume_token(&world, world.alpha.person("owner"), world.alpha.id).await;
        let mut socket = Socket::of(&world.app, person).await;
        socket
            .subscribe("1", EVENTS, variables(world.alpha.id, &after))
            .await;
        // One error, once, and then nothing: the subscription is over.
        socket.expect_errors("1", &["NOT_FOUND"]).await;
        socket.expect_complete("1").await;
    }
    // An id that was never issued answers the same.
    let mut socket = Socket::of(&world.app, world.beta.person("owner")).await;
    let unknown = json!({ "org": global_id("Organization", Uuid::now_v7()) });
    socket.subscribe("2", EVENTS, unknown).await;
    socket.expect_errors("2", &["NOT_FOUND"]).await;
}

#[tokio::test]
async fn a_removed_subscriber_gets_a_final_error_and_the_stream_ends() {
    let world = World::new().await;
    let viewer = world.alpha.person("viewer");
    let membership = alpha_membership(&world, viewer).await;
    let mut socket = subscribed_to_alpha(&world, viewer, "m", MEMBERSHIPS).await;
    let remove = "mutation($input: RemoveMemberInput!) { removeMember(input: $input) { removedMembershipId } }";
    let input = json!({ "membershipId": global_id("Membership", membership.id) });
    let removed = world
        .query(
            Some(world.alpha.person("owner")),
            remove,
            json!({ "input": input }),
        )
        .await;
    assert!(removed.get("errors").is_none(), "{removed}");
    socket.expect_errors("m", &["NOT_FOUND"]).await;
    socket.expect_complete("m").await;
}

#[tokio::test]
async fn a_resumed_subscription_receives_exactly_the_missed_events() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let mut socket = subscribed_to_alpha(&world, owner, "1", EVENTS).await;
    rename(&world, owner, world.alpha.id, "First").await;
    let first = socket.next_payload("1").await;
    let event = &first["data"]["organizationEvents"];
    assert_eq!(event["organization"]["name"], "First", "{first}");
    let token = event["resumeToken"].as_str().unwrap().to_owned();
    drop(socket);

    rename(&world, owner, world.alpha.id, "Second").await;
    rename(
        &world,
        world.beta.person("owner"),
        world.beta.id,
        "Not alpha's",
    )
    .await;
    rename(&world, owner, world.alpha.id, "Third").await;
    let mut socket = Socket::of(&world.app, owner).await;
    socket
        .subscribe("2", EVENTS, variables(world.alpha.id, &token))
        .await;
    let mut tokens = vec![token];
    for _ in 0..2 {
        let payload = socket.next_payload("2").await;
        let event = &payload["data"]["organizationEvents"];
        assert_eq!(event["type"], "ORGANIZATION_UPDATED", "{payload}");
        tokens.push(event["resumeToken"].as_str().unwrap().to_owned());
    }
    // Live after the replay, with nothing twice at the seam.
    rename(&world, owner, world.alpha.id, "Fourth").await;
    let live = socket.next_payload("2").await;
    tokens.push(
        live["data"]["organizationEvents"]["resumeToken"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let distinct: std::collections::BTreeSet<_> = tokens.iter().collect();
    assert_eq!(distinct.len(), 4, "four different events: {tokens:?}");
    // A token of another organisation is refused.
    let mut beta = Socket::of(&world.app, world.beta.person("owner")).await;
    beta.subscribe("3", EVENTS, variables(world.beta.id, &tokens[1]))
        .await;
    beta.expect_errors("3", &["BAD_USER_INPUT"]).await;
}

#[tokio::test]
async fn a_resume_beyond_the_replay_limit_asks_for_a_refetch() {
    let app = spawn_app_with(|settings| settings.subscription_replay_max = 1).await;
    let world = World::on(app).await;
    let owner = world.alpha.person("owner");
    let after = resume_token(&world, owner, world.alpha.id).await;
    rename(&world, owner, world.alpha.id, "One").await;
    rename(&world, owner, world.alpha.id, "Two").await;
    let mut socket = Socket::of(&world.app, owner).await;
    socket
        .subscribe("1", EVENTS, variables(world.alpha.id, &after))
        .await;
    socket.expect_errors("1", &["REFETCH_REQUIRED"]).await;
}

#[tokio::test]
async fn a_bad_token_is_refused_with_4403_and_a_subscribe_before_init_with_4401() {
    let world = World::new().await;
    let mut socket = Socket::open(&world.app, "graphql-transport-ws").await;
    socket
        .send(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer forged" } }))
        .await;
    assert_eq!(socket.close_code().await, Some(4403));

    let mut socket = Socket::open(&world.app, "graphql-transport-ws").await;
    socket
        .subscribe("1", "{ consentTypes { code } }", json!({}))
        .await;
    assert_eq!(socket.close_code().await, Some(4401));
}

#[tokio::test]
async fn a_connection_closes_when_its_token_expires() {
    let world = World::new().await;
    let token = orgraph::auth::token::TokenKeys::new(TEST_JWT_SECRET)
        .mint(world.outsider.id, chrono::Duration::seconds(1))
        .unwrap();
    let mut socket = Socket::signed_in(&world.app, json!({ "token": token })).await;
    assert_eq!(socket.close_code().await, Some(4403));
}

#[tokio::test]
async fn queries_over_the_socket_run_as_over_http_and_see_the_viewer() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let mut socket = Socket::of(&world.app, owner).await;
    socket
        .subscribe("q", "{ viewer { email } consentTypes { code } }", json!({}))
        .await;
    let payload = socket.next_payload("q").await;
    assert_eq!(payload["data"]["viewer"]["email"], owner.email, "{payload}");
    socket.expect_complete("q").await;

    // Anonymous: public data answers, organisation data is UNAUTHENTICATED.
    let mut anonymous = Socket::signed_in(&world.app, json!({})).await;
    anonymous
        .subscribe("p", "{ consentTypes { code } }", json!({}))
        .await;
    let public = anonymous.next_payload("p").await;
    assert!(
        public["data"]["consentTypes"]
            .as_array()
            .is_some_and(|types| !types.is_empty()),
        "{public}"
    );
    anonymous.expect_complete("p").await;
    anonymous
        .subscribe("v", "{ viewer { email } }", json!({}))
        .await;
    anonymous.expect_errors("v", &["UNAUTHENTICATED"]).await;

    // Without a token in `connection_init`, the upgrade request's header signs the socket in.
    let mut request = upgrade(&world.app, "graphql-transport-ws");
    let authorization = bearer(owner).parse().unwrap();
    request.headers_mut().insert("authorization", authorization);
    let (stream, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut by_header = Socket(stream);
    by_header.send(json!({ "type": "connection_init" })).await;
    assert_eq!(by_header.message().await["type"], "connection_ack");
    by_header
        .subscribe("h", "{ viewer { email } }", json!({}))
        .await;
    let payload = by_header.next_payload("h").await;
    assert_eq!(payload["data"]["viewer"]["email"], owner.email, "{payload}");

    // A document that does not validate is the operation's `error` message.
    socket.subscribe("bad", "{ shoeSize }", json!({})).await;
    socket.expect_refused("bad", "BAD_USER_INPUT").await;
}

#[tokio::test]
async fn the_legacy_protocol_and_the_operation_limit() {
    let app = spawn_app_with(|settings| settings.max_subscriptions_per_socket = 1).await;
    let world = World::on(app).await;
    let owner = world.alpha.person("owner");
    let mut socket = Socket::open(&world.app, "graphql-ws").await;
    socket
        .send(json!({ "type": "connection_init", "payload": { "authorization": bearer(owner) } }))
        .await;
    assert_eq!(socket.message().await["type"], "connection_ack");
    let after = resume_token(&world, owner, world.alpha.id).await;
    let start = |id: &str| json!({ "type": "start", "id": id, "payload": { "query": EVENTS, "variables": variables(world.alpha.id, &after) } });
    socket.send(start("1")).await;
    socket.send(start("2")).await;
    socket.expect_refused("2", "RATE_LIMITED").await;
    rename(&world, owner, world.alpha.id, "Legacy").await;
    let data = socket.message().await;
    assert_eq!(
        (&data["type"], &data["id"]),
        (&json!("data"), &json!("1")),
        "{data}"
    );
    assert_eq!(
        data["payload"]["data"]["organizationEvents"]["organization"]["name"],
        "Legacy"
    );
}

#[tokio::test]
async fn subscriptions_started_are_rate_limited_per_person_and_apart_from_queries() {
    let clock = governor::clock::FakeRelativeClock::default();
    let app = spawn_app_with_clock(&clock, |settings| {
        settings.rate_limit_subscriptions_per_minute = 1;
        settings.rate_limit_queries_per_minute = 100;
    })
    .await;
    let world = World::on(app).await;
    let owner = world.alpha.person("owner");
    let after = resume_token(&world, owner, world.alpha.id).await;
    let mut socket = Socket::of(&world.app, owner).await;
    socket
        .subscribe("1", EVENTS, variables(world.alpha.id, &after))
        .await;
    socket
        .subscribe("2", EVENTS, variables(world.alpha.id, &after))
        .await;
    socket.expect_refused("2", "RATE_LIMITED").await;
    // A query over the same socket takes a token of its own kind.
    socket
        .subscribe("3", "{ maturityLevels { level } }", json!({}))
        .await;
    let payload = socket.next_payload("3").await;
    assert!(payload["data"]["maturityLevels"].is_array(), "{payload}");
    socket.expect_complete("3").await;
    clock.advance(Duration::from_secs(60));
    socket
        .subscribe("4", EVENTS, variables(world.alpha.id, &after))
        .await;
    rename(&world, owner, world.alpha.id, "Limited").await;
    let mut heard = Vec::new();
    for _ in 0..2 {
        let message = socket.message().await;
        let name = &message["payload"]["data"]["organizationEvents"]["organization"]["name"];
        assert_eq!(name, "Limited", "{message}");
        heard.push(message["id"].as_str().unwrap().to_owned());
    }
    heard.sort();
    assert_eq!(heard, ["1", "4"], "both subscriptions, in either order");
}

/// The position a resume token names, as the server reads it.
fn position(organization: Uuid, token: &Value) -> i64 {
    let token = token.as_str().expect("a resume token");
    orgraph::events::resume::ResumeTokens::new(TEST_JWT_SECRET.as_bytes())
        .decode(organization, token)
        .expect("the server's own token")
}

/// Two instances on one PostgreSQL database: an event written through one reaches a
/// subscriber of the other by `LISTEN/NOTIFY`, and when the listener's connection is cut while
/// events are written, each still arrives exactly once, in order.
#[tokio::test]
async fn on_postgres_events_reach_other_instances_even_when_their_listener_is_cut() {
    use sea_orm::ConnectionTrait;

    if !on_postgres() {
        return;
    }
    let world = World::new().await;
    // A second server process on the same database, as behind a load balancer.
    let process = spawn_process(&world.app.database_url, &world.app.db).await;
    let other = &process.app;
    let (owner, alpha) = (world.alpha.person("owner"), world.alpha.id);
    let after = resume_token(&world, owner, alpha).await;
    let mut socket = Socket::of(other, owner).await;
    socket
        .subscribe("1", EVENTS, variables(alpha, &after))
        .await;
    rename(&world, owner, alpha, "Through the first").await;
    let payload = socket.next_payload("1").await;
    let event = &payload["data"]["organizationEvents"];
    assert_eq!(
        event["organization"]["name"], "Through the first",
        "{payload}"
    );
    let seen = position(alpha, &event["resumeToken"]);

    let cut = world
        .app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        ))
        .await
        .expect("the listeners are cut");
    assert_eq!(cut.len(), 2, "each instance has one listener");
    for name in ["One", "Two", "Three"] {
        rename(&world, owner, alpha, name).await;
    }
    let written: Vec<i64> = orgraph::events::after(&world.app.db, seen, Some(alpha), 10)
        .await
        .unwrap()
        .iter()
        .map(|event| event.sequence)
        .collect();
    assert_eq!(written.len(), 3);
    let mut delivered = Vec::new();
    for _ in &written {
        let payload = socket.next_payload("1").await;
        delivered.push(position(
            alpha,
            &payload["data"]["organizationEvents"]["resumeToken"],
        ));
    }
    assert_eq!(delivered, written, "every event once, in order");
}

/// A submission is scored and recomputes the twin: `assessmentScored` delivers the assessment
/// with its score, `digitalTwinUpdated` the twin, and neither the start nor the saved answers.
#[tokio::test]
async fn a_submission_reaches_assessment_and_twin_subscribers_with_their_objects() {
    let world = World::new().await;
    let (member, alpha) = (world.alpha.person("member"), world.alpha.id);
    let after = resume_token(&world, member, alpha).await;
    let mut socket = Socket::of(&world.app, member).await;
    let scored = "subscription($org: ID!, $after: String) {
      assessmentScored(organizationId: $org, resumeToken: $after) {
        type assessment { id status score { overallScore } } } }";
    let twin = "subscription($org: ID!, $after: String) {
      digitalTwinUpdated(organizationId: $org, resumeToken: $after) {
        type digitalTwin { assessmentCount } } }";
    socket
        .subscribe("scored", scored, variables(alpha, &after))
        .await;
    socket
        .subscribe("twin", twin, variables(alpha, &after))
        .await;

    let start = "mutation($input: StartAssessmentInput!) {
      startAssessment(input: $input) { assessment { id } } }";
    let input =
        json!({ "organizationId": global_id("Organization", alpha), "assessmentType": "BPM" });
    let started = world
        .query(Some(member), start, json!({ "input": input }))
        .await;
    let id = started["data"]["startAssessment"]["assessment"]["id"].clone();
    assert!(id.is_string(), "{started}");
    let save = "mutation($input: SaveAssessmentResponsesInput!) {
      saveAssessmentResponses(input: $input) { assessment { id } } }";
    let responses = json!({ "processes_documented": 4, "process_owners": true,
        "performance_measured": "real_time", "automation_share": "half",
        "improvement_reviews": true });
    let saved = world
        .query(
            Some(member),
            save,
            json!({ "input": { "assessmentId": id, "responses": responses } }),
        )
        .await;
    assert!(saved.get("errors").is_none(), "{saved}");
    let submit = "mutation($input: AssessmentInput!) {
      submitAssessment(input: $input) { assessment { id } } }";
    let submitted = world
        .query(
            Some(member),
            submit,
            json!({ "input": { "assessmentId": id } }),
        )
        .await;
    assert!(submitted.get("errors").is_none(), "{submitted}");

    let mut received = std::collections::BTreeMap::new();
    for _ in 0..2 {
        let message = socket.message().await;
        assert_eq!(message["type"], "next", "{message}");
        received.insert(
            message["id"].as_str().unwrap().to_owned(),
            message["payload"].clone(),
        );
    }
    let scored = &received["scored"]["data"]["assessmentScored"];
    assert_eq!(scored["type"], "ASSESSMENT_SUBMITTED", "{received:?}");
    assert_eq!(scored["assessment"]["id"], id);
    assert_eq!(scored["assessment"]["status"], "COMPLETED");
    assert!(
        scored["assessment"]["score"]["overallScore"].is_number(),
        "{scored}"
    );
    let twin = &received["twin"]["data"]["digitalTwinUpdated"];
    assert_eq!(twin["type"], "DIGITAL_TWIN_RECOMPUTED", "{received:?}");
    assert!(
        twin["digitalTwin"]["assessmentCount"].as_i64() >= Some(1),
        "{twin}"
    );
}

#[tokio::test]
async fn the_socket_is_kept_alive_and_protocol_violations_close_it() {
    let app = spawn_app_with(|settings| settings.ws_keepalive_seconds = 1).await;
    let world = World::on(app).await;
    let owner = world.alpha.person("owner");
    let mut socket = Socket::of(&world.app, owner).await;
    socket
        .send(json!({ "type": "ping", "payload": { "n": 1 } }))
        .await;
    assert_eq!(
        socket.raw_message().await,
        json!({ "type": "pong", "payload": { "n": 1 } })
    );
    assert_eq!(
        socket.raw_message().await,
        json!({ "type": "ping" }),
        "the server's keep-alive"
    );
    socket.send(json!({ "type": "connection_init" })).await;
    assert_eq!(
        socket.close_code().await,
        Some(4429),
        "a second connection_init"
    );

    let mut socket = subscribed_to_alpha(&world, owner, "1", EVENTS).await;
    socket
        .subscribe("1", EVENTS, variables(world.alpha.id, ""))
        .await;
    assert_eq!(
        socket.close_code().await,
        Some(4409),
        "an id already running"
    );

    let mut socket = Socket::of(&world.app, owner).await;
    socket.send(json!({ "type": "next", "id": "1" })).await;
    assert_eq!(
        socket.close_code().await,
        Some(4400),
        "a server's message from the client"
    );
}

/// Payloads go through the personal-data guards for the subscriber: an owner sees the
/// member's email, a viewer only their name.
#[tokio::test]
async fn a_payload_shows_personal_data_only_to_those_who_may_see_it() {
    let world = World::new().await;
    let analyst = world.alpha.person("analyst");
    let membership = alpha_membership(&world, analyst).await;
    let query = "subscription($org: ID!, $after: String) {
      membershipChanged(organizationId: $org, resumeToken: $after) {
        type membership { role user { name email } } } }";
    let (owner, viewer) = (world.alpha.person("owner"), world.alpha.person("viewer"));
    let mut as_owner = subscribed_to_alpha(&world, owner, "1", query).await;
    let mut as_viewer = subscribed_to_alpha(&world, viewer, "1", query).await;
    let change = "mutation($input: ChangeMemberRoleInput!) {
      changeMemberRole(input: $input) { membership { role } } }";
    let input = json!({ "membershipId": global_id("Membership", membership.id), "role": "MEMBER" });
    let changed = world
        .query(Some(owner), change, json!({ "input": input }))
        .await;
    assert!(changed.get("errors").is_none(), "{changed}");

    let seen = as_owner.next_payload("1").await;
    let event = &seen["data"]["membershipChanged"];
    assert_eq!(event["type"], "MEMBER_ROLE_CHANGED", "{seen}");
    assert_eq!(event["membership"]["role"], "MEMBER");
    assert_eq!(
        event["membership"]["user"]["email"], analyst.email,
        "{seen}"
    );
    let seen = as_viewer.next_payload("1").await;
    let user = &seen["data"]["membershipChanged"]["membership"]["user"];
    assert!(user["name"].is_string(), "{seen}");
    assert!(user["email"].is_null(), "{seen}");
    assert_eq!(crate::world::error_codes(&seen), ["FORBIDDEN"], "{seen}");
}

#[tokio::test]
async fn sockets_per_person_and_per_address_are_limited() {
    let app = spawn_app_with(|settings| settings.max_sockets_per_person = 1).await;
    let world = World::on(app).await;
    let owner = world.alpha.person("owner");
    let _held = Socket::of(&world.app, owner).await;
    let mut second = Socket::open(&world.app, "graphql-transport-ws").await;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": bearer(owner) } });
    second.send(init).await;
    assert_eq!(second.close_code().await, Some(4429));
    let _someone_else = Socket::of(&world.app, world.alpha.person("viewer")).await;

    let app = spawn_app_with(|settings| settings.max_sockets_per_address = 1).await;
    let _held = Socket::open(&app, "graphql-transport-ws").await;
    let mut request = format!("ws://{}/graphql", app.address)
        .into_client_request()
        .unwrap();
    let protocol = "graphql-transport-ws".parse().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", protocol);
    let refused = tokio_tungstenite::connect_async(request).await;
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) = refused else {
        panic!("the second socket of the address is refused");
    };
    assert_eq!(response.status(), 429);
}

#[tokio::test]
async fn invitation_events_reach_owners_and_admins_only_and_a_joining_member_is_announced() {
    let world = World::new().await;
    let (admin, viewer) = (world.alpha.person("admin"), world.alpha.person("viewer"));
    let mut admins = subscribed_to_alpha(&world, admin, "a", EVENTS).await;
    let mut viewers = subscribed_to_alpha(&world, viewer, "v", EVENTS).await;
    let invitee = world.beta.person("viewer");
    let invite = "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }";
    let input = json!({ "organizationId": global_id("Organization", world.alpha.id),
                        "email": invitee.email, "role": "MEMBER" });
    let invited = world
        .query(Some(admin), invite, json!({ "input": input }))
        .await;
    let token = invited["data"]["inviteMember"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("a token: {invited}"))
        .to_owned();
    rename(
        &world,
        world.alpha.person("owner"),
        world.alpha.id,
        "Alpha 2",
    )
    .await;
    let accept = "mutation($input: AcceptInvitationInput!) {
      acceptInvitation(input: $input) { membership { id } } }";
    let accepted = world
        .query(
            Some(invitee),
            accept,
            json!({ "input": { "token": token } }),
        )
        .await;
    let membership = accepted["data"]["acceptInvitation"]["membership"]["id"].clone();
    assert!(membership.is_string(), "{accepted}");

    let types = |payloads: Vec<Value>| -> Vec<Value> {
        let events = payloads.iter();
        events
            .map(|payload| payload["data"]["organizationEvents"]["type"].clone())
            .collect()
    };
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(admins.next_payload("a").await);
    }
    assert_eq!(
        types(seen.clone()),
        [
            json!("INVITATION_CREATED"),
            json!("ORGANIZATION_UPDATED"),
            json!("MEMBER_JOINED")
        ]
    );
    assert_eq!(
        seen[2]["data"]["organizationEvents"]["subjectId"],
        membership
    );
    // The viewer hears of the rename and of the newcomer, not of the invitation.
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(viewers.next_payload("v").await);
    }
    assert_eq!(
        types(seen),
        [json!("ORGANIZATION_UPDATED"), json!("MEMBER_JOINED")]
    );
}

#[tokio::test]
async fn metrics_count_open_sockets_active_subscriptions_and_deliveries() {
    let world = World::new().await;
    let viewer = world.alpha.person("viewer");
    let mut socket = subscribed_to_alpha(&world, viewer, "1", EVENTS).await;
    rename(
        &world,
        world.alpha.person("owner"),
        world.alpha.id,
        "Alpha 2",
    )
    .await;
    socket.next_payload("1").await;
    let metrics = world.app.metrics().await;
    for sample in [
        "orgraph_websockets_open 1",
        "orgraph_subscriptions_active 1",
        "orgraph_subscription_deliveries_total 1",
        "orgraph_subscription_delivery_lag_seconds_count 1",
    ] {
        assert!(
            metrics.lines().any(|line| line == sample),
            "{sample} in {metrics}"
        );
    }
}

const PROGRESS: &str = "subscription($id: ID!) {
  dataRequestProgress(requestId: $id) { id status dryRun } }";

#[tokio::test]
async fn a_data_request_is_followed_until_it_completes_and_strangers_get_not_found() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let asked = world
        .query(
            Some(member),
            "mutation { requestErasure(input: { dryRun: true }) { request { id } } }",
            json!({}),
        )
        .await;
    let id = asked["data"]["requestErasure"]["request"]["id"].clone();
    assert!(id.is_string(), "{asked}");
    for stranger in [world.alpha.person("viewer"), &world.outsider] {
        let mut socket = Socket::of(&world.app, stranger).await;
        socket.subscribe("1", PROGRESS, json!({ "id": id })).await;
        let refused = socket.next_payload("1").await;
        socket.expect_complete("1").await;
        let unknown = json!({ "id": global_id("DataRequest", Uuid::now_v7()) });
        socket.subscribe("2", PROGRESS, unknown).await;
        let never_issued = socket.next_payload("2").await;
        socket.expect_complete("2").await;
        assert_eq!(refused, never_issued);
        assert_eq!(
            crate::world::error_codes(&refused),
            ["NOT_FOUND"],
            "{refused}"
        );
    }
    let mut socket = Socket::of(&world.app, member).await;
    socket.subscribe("1", PROGRESS, json!({ "id": id })).await;
    let pending = socket.next_payload("1").await;
    assert_eq!(
        pending["data"]["dataRequestProgress"]["status"], "PENDING",
        "{pending}"
    );
    let ran = orgraph::privacy::requests::Worker::new(crate::helpers::TEST_JWT_SECRET.as_bytes())
        .run_pending(&world.app.db, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(ran, 1);
    let done = socket.next_payload("1").await;
    assert_eq!(
        done["data"]["dataRequestProgress"]["status"], "COMPLETED",
        "{done}"
    );
    socket.expect_complete("1").await;
}
