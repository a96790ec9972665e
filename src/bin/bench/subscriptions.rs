//! The `subscriptions` scenario: many dashboards hold a `graphql-transport-ws` socket each,
//! subscribed to their organisation's events, while organisations are renamed over HTTP. It
//! reports how long an event took from being written (its `occurredAt`) to reaching each
//! subscriber, and the server's peak memory.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

use crate::servers::Server;

/// What the scenario is sized by.
pub struct Load {
    pub subscribers: usize,
    pub organizations: usize,
    pub mutations: usize,
}

const SUBSCRIPTION: &str = "subscription($org: ID!) {
  organizationEvents(organizationId: $org) { type occurredAt } }";
const RENAME: &str = "mutation($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) { organization { name } } }";

/// How long the scenario waits for anything before it gives up.
const PATIENCE: Duration = Duration::from_secs(60);

/// Runs the scenario against `server` with `token` (a platform admin, who may subscribe to
/// every organisation) and prints its figures.
pub async fn run(
    server: &Server,
    token: &str,
    organizations: &[Uuid],
    load: &Load,
) -> anyhow::Result<()> {
    let organizations = &organizations[..load.organizations.min(organizations.len())];
    anyhow::ensure!(!organizations.is_empty(), "no organisation to subscribe to");
    let (deliveries, mut delivered) = mpsc::unbounded_channel::<(usize, i64)>();
    let ws_url = server.url.replacen("http://", "ws://", 1);
    let mut subscribers = Vec::with_capacity(load.subscribers);
    for n in 0..load.subscribers {
        let organization = organizations[n % organizations.len()];
        let socket = subscribe(&ws_url, token, organization).await?;
        let deliveries = deliveries.clone();
        subscribers.push(tokio::spawn(listen(
            socket,
            n % organizations.len(),
            deliveries,
        )));
    }
    drop(deliveries);
    let client = reqwest::Client::new();
    let per_organization = load.subscribers / organizations.len();
    // Every socket is subscribed once each has heard of a first rename of its organisation.
    for (index, organization) in organizations.iter().enumerate() {
        rename(
            &client,
            server,
            token,
            *organization,
            &format!("warm-up {index}"),
        )
        .await?;
    }
    await_deliveries(&mut delivered, load.subscribers).await?;

    let started = std::time::Instant::now();
    for n in 0..load.mutations {
        let organization = organizations[n % organizations.len()];
        rename(&client, server, token, organization, &format!("rename {n}")).await?;
    }
    let expected = (0..load.mutations)
        .map(|n| {
            let index = n % organizations.len();
            load.subscribers / organizations.len()
                + usize::from(index < load.subscribers % organizations.len())
        })
        .sum();
    let mut latencies = await_deliveries(&mut delivered, expected).await?;
    let elapsed = started.elapsed();
    for subscriber in subscribers {
        subscriber.abort();
    }
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let rank = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[rank] as f64 / 1000.0
    };
    println!(
        "subscriptions: {} sockets ({} per organisation, {} organisations), {} mutations, {} \
         deliveries in {:.1} s; delivery latency (event written → received) p50 {:.1} ms, \
         p99 {:.1} ms, max {:.1} ms; orgraph's peak memory (VmHWM) {}",
        load.subscribers,
        per_organization,
        organizations.len(),
        load.mutations,
        latencies.len(),
        elapsed.as_secs_f64(),
        percentile(0.5),
        percentile(0.99),
        percentile(1.0),
        server
            .peak_memory_mb()
            .map_or_else(|| "unknown".to_owned(), |mb| format!("{mb} MB")),
    );
    Ok(())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket signed in with `token` and subscribed to `organization`'s events.
async fn subscribe(url: &str, token: &str, organization: Uuid) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("a header value"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .context("a websocket")?;
    let init = json!({ "type": "connection_init",
                       "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::text(init.to_string())).await?;
    let ack = next_message(&mut socket).await?;
    anyhow::ensure!(ack["type"] == "connection_ack", "no ack: {ack}");
    let organization = orgraph::graphql::id::NodeKind::Organization.id(organization);
    let subscribe = json!({ "type": "subscribe", "id": "events",
        "payload": { "query": SUBSCRIPTION, "variables": { "org": organization.as_str() } } });
    socket.send(Message::text(subscribe.to_string())).await?;
    Ok(socket)
}

/// Reports each event `socket` receives, with its latency in microseconds.
async fn listen(
    mut socket: Socket,
    organization: usize,
    deliveries: mpsc::UnboundedSender<(usize, i64)>,
) {
    while let Ok(message) = next_message(&mut socket).await {
        if message["type"] == "ping" {
            let pong = json!({ "type": "pong" }).to_string();
            if socket.send(Message::text(pong)).await.is_err() {
                return;
            }
            continue;
        }
        let occurred = message["payload"]["data"]["organizationEvents"]["occurredAt"]
            .as_str()
            .and_then(|text| text.parse::<DateTime<Utc>>().ok());
        let Some(occurred) = occurred else {
            eprintln!("subscriber of organisation {organization}: {message}");
            return;
        };
        let latency = (Utc::now() - occurred)
            .num_microseconds()
            .unwrap_or(i64::MAX);
        if deliveries.send((organization, latency)).is_err() {
            return;
        }
    }
}

async fn next_message(socket: &mut Socket) -> anyhow::Result<Value> {
    loop {
        let next = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .context("the server went quiet")?
            .context("the socket closed")??;
        if let Message::Text(text) = next {
            return Ok(serde_json::from_str(&text)?);
        }
    }
}

/// Waits for `count` deliveries; their latencies.
async fn await_deliveries(
    delivered: &mut mpsc::UnboundedReceiver<(usize, i64)>,
    count: usize,
) -> anyhow::Result<Vec<i64>> {
    let mut latencies = Vec::with_capacity(count);
    while latencies.len() < count {
        let (_, latency) = tokio::time::timeout(PATIENCE, delivered.recv())
            .await
            .with_context(|| format!("{} of {count} deliveries arrived", latencies.len()))?
            .context("every subscriber stopped")?;
        latencies.push(latency);
    }
    Ok(latencies)
}

async fn rename(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    organization: Uuid,
    name: &str,
) -> anyhow::Result<()> {
    let organization = orgraph::graphql::id::NodeKind::Organization.id(organization);
    let body = json!({ "query": RENAME,
        "variables": { "input": { "organizationId": organization.as_str(), "name": name } } });
    let response: Value = client
        .post(&server.url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(
        response.get("errors").is_none(),
        "a rename failed: {response}"
    );
    Ok(())
}
