//! GraphQL over a websocket on `/graphql`: one task per connection speaks the protocol
//! (`http::ws_protocol`), and one task per operation runs it. The token comes in the
//! `connection_init` payload and is verified as HTTP's is; queries and mutations run exactly
//! as over HTTP, subscriptions as the same session, loaders and limits would run them. The
//! connection closes when its token expires.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{FromRequestParts, Request, WebSocketUpgrade};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::Refusal;
use super::graphql::{Shaped, admit, execute_as, operation_kind, prepare, request_origin};
use super::media::ResponseMedia;
use super::open_sockets::{Held, Holder};
use super::params::Params;
use super::rate_limit::OperationKind;
use super::ws_protocol::{self, Close, Incoming, Outgoing, Protocol};
use crate::auth::viewer::{self, Credentials};
use crate::db::replica::Handles;
use crate::error::{AppError, code};
use crate::events::delivery::Subscriber;
use crate::graphql::batching::load_queue;
use crate::graphql::completion::is_request_error;
use crate::graphql::guards::Session;
use crate::graphql::tag_uncoded_errors;
use crate::startup::AppState;

/// How long a client has to send `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Each socket's read and write buffer.
const SOCKET_BUFFER_BYTES: usize = 8 << 10;

/// Messages the operations of one connection may have queued for the client.
const OUTGOING_QUEUE: usize = 64;

/// Upgrades a request to a GraphQL websocket, if it offers a subprotocol orgraph speaks.
pub async fn upgrade(state: AppState, client: Option<SocketAddr>, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade
            .protocols(Protocol::NAMES)
            // GraphQL messages are small and dashboards hold sockets by the thousand: the
            // default 128 KiB each way per socket would cost a quarter of a gigabyte a thousand.
            .read_buffer_size(SOCKET_BUFFER_BYTES)
            .write_buffer_size(SOCKET_BUFFER_BYTES)
            // A message is a GraphQL request: no larger than an HTTP body may be.
            .max_message_size(state.max_body_bytes)
            .max_frame_size(state.max_body_bytes),
        Err(rejection) => return rejection.into_response(),
    };
    let protocol = upgrade
        .selected_protocol()
        .and_then(|name| name.to_str().ok())
        .and_then(Protocol::named);
    let Some(protocol) = protocol else {
        return Refusal::bad_request(
            "a GraphQL websocket needs the subprotocol graphql-transport-ws (or graphql-ws)",
        )
        .into_response(ResponseMedia::Json);
    };
    let address = match client {
        Some(client) => {
            // Behind a trusted proxy, the client it forwarded for: not the proxy's one address.
            let address = state
                .rate_limits
                .client_address(client.ip(), &parts.headers);
            let holder = Holder::Address(address);
            match state.ws.open.hold(holder, state.ws.per_address) {
                Some(held) => Some(held),
                None => return too_many_sockets(state.ws.per_address),
            }
        }
        None => None,
    };
    let headers = parts.headers;
    upgrade.on_upgrade(move |socket| {
        let (outgoing, queued) = mpsc::channel(OUTGOING_QUEUE);
        let connection = Connection {
            state,
            protocol,
            headers,
            client,
            signed_in: None,
            operations: HashMap::new(),
            outgoing,
            _address: address,
        };
        connection.serve(socket, queued)
    })
}

/// One websocket connection.
struct Connection {
    state: AppState,
    protocol: Protocol,
    /// The upgrade request's headers, for each operation's audit origin.
    headers: HeaderMap,
    client: Option<SocketAddr>,
    /// Set by `connection_init`.
    signed_in: Option<SignedIn>,
    /// The operations running, by the client's id.
    operations: HashMap<String, AbortHandle>,
    /// Where operations queue their messages.
    outgoing: mpsc::Sender<(String, Outgoing)>,
    /// This socket, counted for its client address while it is open.
    _address: Option<Held>,
}

/// A client address past `ORGRAPH_MAX_SOCKETS_PER_ADDRESS`: `429`.
fn too_many_sockets(most: usize) -> Response {
    let refusal = Refusal::new(
        StatusCode::TOO_MANY_REQUESTS,
        code::RATE_LIMITED,
        format!(
            "this address holds {most} open websockets already \
             (ORGRAPH_MAX_SOCKETS_PER_ADDRESS): close one first"
        ),
    );
    refusal.into_response(ResponseMedia::Json)
}

/// What `connection_init` established.
struct SignedIn {
    credentials: Credentials,
    /// When the token expires; the connection closes then.
    expires: Option<Instant>,
    /// The signed-in person's memberships, shared by the connection's subscriptions.
    subscriber: Option<Arc<Subscriber>>,
    /// This socket, counted for its person while it is open.
    _person: Option<Held>,
}

impl Connection {
    async fn serve(
        mut self,
        mut socket: WebSocket,
        mut queued: mpsc::Receiver<(String, Outgoing)>,
    ) {
        tracing::debug!(client = ?self.client, protocol = ?self.protocol, "websocket opened");
        let _open = self.state.metrics.websocket_opened();
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        let mut keepalive = tokio::time::interval(self.state.ws.keepalive);
        keepalive.reset();
        let close = loop {
            let expires = self
                .signed_in
                .as_ref()
                .and_then(|signed_in| signed_in.expires);
            tokio::select! {
                received = socket.recv() => match received {
                    Some(Ok(Message::Text(text))) => {
                        let handled = match ws_protocol::parse(self.protocol, text.as_str()) {
                            Ok(message) => self.handle(message, &mut socket).await,
                            Err(close) => Err(Some(close)),
                        };
                        if let Err(close) = handled {
                            break close;
                        }
                    }
                    Some(Ok(Message::Binary(_))) => break Some(Close::BAD_MESSAGE),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break None,
                },
                Some((id, message)) = queued.recv() => {
                    if matches!(message, Outgoing::Complete { .. } | Outgoing::Error { .. }) {
                        self.operations.remove(&id);
                    }
                    if self.send(&mut socket, &message).await.is_err() {
                        break None;
                    }
                }
                _ = keepalive.tick(), if self.signed_in.is_some() => {
                    if self.send(&mut socket, &Outgoing::KeepAlive).await.is_err() {
                        break None;
                    }
                }
                () = &mut init_deadline, if self.signed_in.is_none() => {
                    break Some(Close::INIT_TIMEOUT);
                }
                () = sleep_until(expires), if expires.is_some() => {
                    break Some(Close::TOKEN_EXPIRED);
                }
            }
        };
        for operation in self.operations.values() {
            operation.abort();
        }
        tracing::debug!(client = ?self.client, close = ?close, "websocket closed");
        if let Some(Close(code, reason)) = close {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            // The client may be gone already.
            let _ = socket.send(Message::Close(Some(frame))).await;
        }
    }

    async fn send(&self, socket: &mut WebSocket, message: &Outgoing) -> Result<(), axum::Error> {
        let text = ws_protocol::encode(self.protocol, message);
        socket.send(Message::Text(text.into())).await
    }

    /// Acts on one message; `Err` closes the connection (with a close code, or quietly).
    async fn handle(
        &mut self,
        message: Incoming,
        socket: &mut WebSocket,
    ) -> Result<(), Option<Close>> {
        match message {
            Incoming::Init(_) if self.signed_in.is_some() => Err(Some(Close::TOO_MANY_INITS)),
            Incoming::Init(payload) => {
                self.signed_in = Some(self.sign_in(payload.as_ref()).await?);
                self.send(socket, &Outgoing::Ack).await.map_err(|_| None)
            }
            Incoming::Subscribe { .. } if self.signed_in.is_none() => {
                Err(Some(Close::UNAUTHORIZED))
            }
            Incoming::Subscribe { id, .. } if self.operations.contains_key(&id) => {
                Err(Some(Close::DUPLICATE_ID))
            }
            Incoming::Subscribe { id, request } => match self.start(id, request) {
                Some(refusal) => self.send(socket, &refusal).await.map_err(|_| None),
                None => Ok(()),
            },
            Incoming::Complete { id } => {
                if let Some(operation) = self.operations.remove(&id) {
                    operation.abort();
                }
                Ok(())
            }
            Incoming::Ping(payload) => self
                .send(socket, &Outgoing::Pong(payload))
                .await
                .map_err(|_| None),
            Incoming::Pong => Ok(()),
            Incoming::Terminate => Err(None),
        }
    }

    /// Verifies the `connection_init` payload's token (or else the upgrade request's
    /// `Authorization` header, which clients other than browsers can send) as HTTP verifies
    /// the header, and reads its person: a bad token, or a person no longer active, is refused
    /// (4403). Without a token the connection is anonymous: public data only.
    async fn sign_in(&self, payload: Option<&Value>) -> Result<SignedIn, Option<Close>> {
        let header = || {
            let value = self.headers.get(header::AUTHORIZATION)?;
            Some(value.to_str().unwrap_or_default().to_owned())
        };
        let authorization = ws_protocol::authorization(payload).or_else(header);
        let (credentials, expiry) =
            Credentials::read_expiring(authorization.as_deref(), &self.state.keys);
        let (subscriber, person) = match credentials {
            Credentials::Anonymous => (None, None),
            Credentials::Rejected(_) => return Err(Some(Close::FORBIDDEN)),
            Credentials::User(user_id) => {
                let held = self
                    .state
                    .ws
                    .open
                    .hold(Holder::Person(user_id), self.state.ws.per_person)
                    .ok_or(Some(Close::TOO_MANY_SOCKETS))?;
                let viewer = viewer::load(&self.state.db, user_id)
                    .await
                    .map_err(|error| {
                        tracing::error!(%error, "reading a websocket's viewer failed");
                        Some(Close::INTERNAL)
                    })?;
                let viewer = viewer.ok_or(Some(Close::FORBIDDEN))?;
                let subscriber = Subscriber::new(user_id, Some(Arc::new(viewer)));
                (Some(Arc::new(subscriber)), Some(held))
            }
        };
        let expires = expiry.map(|exp| {
            let left = exp - chrono::Utc::now().timestamp();
            Instant::now() + Duration::from_secs(left.max(0) as u64)
        });
        Ok(SignedIn {
            credentials,
            expires,
            subscriber,
            _person: person,
        })
    }

    /// Starts operation `id` in a task of its own, or answers why it cannot run.
    fn start(&mut self, id: String, request: serde_json::Map<String, Value>) -> Option<Outgoing> {
        if self.operations.len() >= self.state.ws.max_operations {
            let refusal = AppError::RateLimited(format!(
                "a websocket runs at most {} operations at once \
                 (ORGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET): complete one first",
                self.state.ws.max_operations
            ));
            let errors = json!([refusal.into_request_error()]);
            return Some(Outgoing::Error { id, errors });
        }
        let request = Params::from_object(request)
            .and_then(|params| prepare(&self.state, params, &Method::POST));
        let signed_in = self
            .signed_in
            .as_ref()
            .expect("operations start once signed in");
        let request = request.and_then(|request| {
            let kind = if self.state.executor.is_subscription(&request) {
                OperationKind::Subscription
            } else {
                operation_kind(&self.state, &request)
            };
            admit(
                &self.state,
                &self.headers,
                self.client,
                signed_in.credentials,
                kind,
            )?;
            Ok(request)
        });
        let request = match request {
            Ok(request) => request,
            Err(refusal) => {
                let errors = refusal.errors();
                return Some(Outgoing::Error { id, errors });
            }
        };
        let operation = Operation {
            id: id.clone(),
            state: self.state.clone(),
            credentials: signed_in.credentials,
            subscriber: signed_in.subscriber.clone(),
            origin: (self.headers.clone(), self.client),
            outgoing: self.outgoing.clone(),
        };
        let task = if self.state.executor.is_subscription(&request) {
            tokio::spawn(operation.subscribe(request))
        } else {
            tokio::spawn(operation.run(request))
        };
        self.operations.insert(id, task.abort_handle());
        None
    }
}

/// `sleep_until(at)`, or forever without `at`.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One operation of a connection, run in its own task.
struct Operation {
    id: String,
    state: AppState,
    credentials: Credentials,
    subscriber: Option<Arc<Subscriber>>,
    /// The upgrade request's headers and the client's address.
    origin: (HeaderMap, Option<SocketAddr>),
    outgoing: mpsc::Sender<(String, Outgoing)>,
}

impl Operation {
    /// A query or mutation: run exactly as over HTTP, answered once.
    async fn run(self, request: async_graphql::Request) {
        let origin = request_origin(&self.state, &self.origin.0, self.origin.1);
        let db = Handles {
            primary: self.state.db.clone(),
            replica: self.state.read_db.clone(),
        };
        let response = execute_as(&self.state, self.credentials, origin, db, request).await;
        if self.answer(&response, true).await {
            self.complete().await;
        }
    }

    /// A subscription: each response as it comes, until the stream ends.
    async fn subscribe(self, request: async_graphql::Request) {
        let (spawner, loads) = load_queue();
        let origin = request_origin(&self.state, &self.origin.0, self.origin.1);
        let mut request = request
            .data(Session::new(
                self.credentials,
                self.state.db.clone(),
                spawner,
            ))
            .data(origin);
        if let Some(subscriber) = &self.subscriber {
            request = request.data(subscriber.clone());
        }
        let responses = loads.run_beside_stream(self.state.executor.execute_stream(request));
        futures_util::pin_mut!(responses);
        let mut first = true;
        while let Some(mut response) = responses.next().await {
            tag_uncoded_errors(&mut response);
            if !self.answer(&response, first).await {
                return;
            }
            first = false;
        }
        self.complete().await;
    }

    /// Sends one response; a request error (only possible first) is the operation's `error`
    /// message and its end. Whether the operation goes on.
    async fn answer(&self, response: &async_graphql::Response, first: bool) -> bool {
        let id = self.id.clone();
        let (message, goes_on) = if first && is_request_error(response) {
            let errors = serde_json::to_value(&response.errors).expect("errors serialise");
            (Outgoing::Error { id, errors }, false)
        } else {
            let payload =
                serde_json::to_value(Shaped::of(response)).expect("a response serialises");
            (Outgoing::Next { id, payload }, true)
        };
        self.outgoing.send((self.id.clone(), message)).await.is_ok() && goes_on
    }

    async fn complete(&self) {
        let id = self.id.clone();
        let _ = self
            .outgoing
            .send((self.id.clone(), Outgoing::Complete { id }))
            .await;
    }
}
