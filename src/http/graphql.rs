//! `/graphql`: GraphQL requests by POST (a JSON body, or a batch of them when
//! `ORGRAPH_BATCH_MAX` allows) and by GET (the URL's query string; queries only), answered in
//! the media type the client accepts; a websocket upgrade; GraphiQL for a browser.

use std::net::SocketAddr;

use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Variables};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tracing::Instrument as _;

use super::Refusal;
use super::media::{ResponseMedia, negotiate, require_json_body};
use super::params::{Body, Params};
use super::rate_limit::{Client, OperationKind};
use crate::audit::RequestOrigin;
use crate::auth::viewer::Credentials;
use crate::db::replica::{Counters, Handles};
use crate::error::{AppError, code};
use crate::graphql::batching::load_queue;
use crate::graphql::completion::is_request_error;
use crate::graphql::guards::Session;
use crate::graphql::tag_uncoded_errors;
use crate::metrics::Operation;
use crate::startup::AppState;
use crate::telemetry;

/// The response header that tells how many SQL statements a request sent.
pub const STATEMENTS_HEADER: &str = "x-orgraph-sql-statements";

/// `POST /graphql`.
pub async fn post(
    State(state): State<AppState>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let media = match negotiate(header_text(&headers, header::ACCEPT)) {
        Ok(media) => media,
        Err(refusal) => return refusal.into_response(ResponseMedia::Json),
    };
    let body = require_json_body(header_text(&headers, header::CONTENT_TYPE))
        .and_then(|()| body.map_err(too_large_or_unreadable))
        .and_then(|body| Body::from_json(&body));
    let client = client.map(|Extension(ConnectInfo(address))| address);
    match body {
        Ok(Body::Single(params)) => {
            run(&state, &headers, client, media, params, Method::POST).await
        }
        Ok(Body::Batch(batch)) if batch.len() > state.batch_max => {
            let refusal = Refusal::bad_request(match state.batch_max {
                0 => "batches are off on this server: send one request per POST".to_owned(),
                most => format!("a batch holds at most {most} requests, not {}", batch.len()),
            });
            refusal.into_response(media)
        }
        Ok(Body::Batch(batch)) => run_batch(&state, &headers, client, media, batch).await,
        Err(refusal) => refusal.into_response(media),
    }
}

/// `GET /graphql` is three things: a websocket upgrade (subscriptions), GraphiQL for a browser,
/// or a query in the URL.
pub async fn get(
    State(state): State<AppState>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Request,
) -> Response {
    let client = client.map(|Extension(ConnectInfo(address))| address);
    if request.headers().contains_key(header::UPGRADE) {
        return super::websocket::upgrade(state, client, request).await;
    }
    let headers = request.headers().clone();
    let url_query = request.uri().query().unwrap_or_default();
    let accept = header_text(&headers, header::ACCEPT);
    let for_a_browser = accept.is_some_and(|accept| accept.contains("text/html"));
    if url_query.is_empty() && (for_a_browser || request.method() == Method::HEAD) {
        return crate::graphiql::page(state.graphiql).into_response();
    }
    let media = match negotiate(accept) {
        Ok(media) => media,
        Err(refusal) => return refusal.into_response(ResponseMedia::Json),
    };
    let params = match Params::from_url_query(url_query) {
        Ok(params) => params,
        Err(refusal) => return refusal.into_response(media),
    };
    run(&state, &headers, client, media, params, Method::GET).await
}

/// Runs one request and answers it.
async fn run(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
    media: ResponseMedia,
    params: Params,
    method: Method,
) -> Response {
    let (db, statements) = Handles::counting(&state.db, state.read_db.as_ref());
    let operation = params.operation_name.clone();
    let credentials = Credentials::read(header_text(headers, header::AUTHORIZATION), &state.keys);
    let request = prepare(state, params, &method)
        .and_then(|request| admitted(state, headers, client, credentials, request));
    let answer = match request {
        Ok(request) => {
            let response = execute(state, headers, client, credentials, db, request).await;
            let mut answered = answer(media, &response);
            answered.extensions_mut().insert(super::Answered {
                operation,
                error_codes: response.errors.iter().filter_map(error_code).collect(),
            });
            answered
        }
        Err(refusal) => refusal.into_response(media),
    };
    with_statements(state, answer, &statements)
}

/// Runs a batch's requests one after the other (a later one may read what an earlier one
/// wrote) and answers them in order, as a JSON array.
async fn run_batch(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
    media: ResponseMedia,
    batch: Vec<Params>,
) -> Response {
    let (db, statements) = Handles::counting(&state.db, state.read_db.as_ref());
    let credentials = Credentials::read(header_text(headers, header::AUTHORIZATION), &state.keys);
    let mut responses = Vec::with_capacity(batch.len());
    let mut retry_after = None;
    for params in batch {
        let request = prepare(state, params, &Method::POST)
            .and_then(|request| admitted(state, headers, client, credentials, request));
        responses.push(match request {
            Ok(request) => execute(state, headers, client, credentials, db.clone(), request).await,
            Err(refusal) => {
                retry_after = retry_after.max(refusal.retry_after);
                refused(refusal)
            }
        });
    }
    let answers: Vec<_> = responses.iter().map(Shaped::of).collect();
    let body = serde_json::to_vec(&answers).expect("a response serialises");
    let mut answer = json_answer(media, StatusCode::OK, body);
    if let Some(seconds) = retry_after {
        // The batch ran, but not all of it: when its refused operations may be sent again.
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    with_statements(state, answer, &statements)
}

/// `request`, once it took its token (over HTTP a query's or a mutation's).
fn admitted(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
    credentials: Credentials,
    request: async_graphql::Request,
) -> Result<async_graphql::Request, Refusal> {
    let kind = operation_kind(state, &request);
    admit(state, headers, client, credentials, kind)?;
    Ok(request)
}

/// What `request`'s rate limit counts it as: over HTTP a query or a mutation.
pub(super) fn operation_kind(state: &AppState, request: &async_graphql::Request) -> OperationKind {
    if state.executor.holds_a_mutation(&request.query) {
        OperationKind::Mutation
    } else {
        OperationKind::Query
    }
}

/// Takes a token of `kind` from the bucket of the request's client (its person when
/// `credentials` name one, else its address), or refuses it: `429`, `RATE_LIMITED`,
/// `Retry-After`.
pub(super) fn admit(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    credentials: Credentials,
    kind: OperationKind,
) -> Result<(), Refusal> {
    let person = credentials.user().ok();
    let limits = &state.rate_limits;
    let address = peer.map(|peer| limits.client_address(peer.ip(), headers));
    let client = Client::of(person, address);
    limits.check(kind, client).map_err(|limited| {
        state.metrics.rate_limited(kind.as_str(), client.label());
        Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            code::RATE_LIMITED,
            limited.message(),
        )
        .with_retry_after(limited.retry_after_seconds)
    })
}

/// The GraphQL request `params` make: its document (from a persisted query's hash when it has
/// no text), operation and variables. GraphQL over HTTP runs mutations only on POST, so a link
/// or an image tag can never change data.
pub(super) fn prepare(
    state: &AppState,
    params: Params,
    method: &Method,
) -> Result<async_graphql::Request, Refusal> {
    let query = state
        .persisted
        .resolve(params.query, &params.extensions)
        .map_err(|error| {
            // A miss is part of the protocol: the client sends the text next.
            let status = if error.code() == code::PERSISTED_QUERY_NOT_FOUND {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            Refusal::new(status, error.code(), error.to_string())
        })?;
    if method != Method::POST && state.executor.holds_a_mutation(&query) {
        return Err(Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            code::BAD_REQUEST,
            "mutations must be sent with POST",
        ));
    }
    let mut request = async_graphql::Request::new(query).variables(Variables::from_json(
        serde_json::Value::Object(params.variables),
    ));
    request.operation_name = params.operation_name;
    Ok(request)
}

/// A refusal as a GraphQL response, for a batch's slot.
fn refused(refusal: Refusal) -> async_graphql::Response {
    let error = ServerError::new(refusal.message, None);
    async_graphql::Response::from_errors(vec![crate::graphql::limits::with_code(
        error,
        refusal.code,
    )])
}

/// Runs `request` with the credentials of `headers`' `Authorization` over `db`.
async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
    credentials: Credentials,
    db: Handles,
    request: async_graphql::Request,
) -> async_graphql::Response {
    let origin = request_origin(state, headers, client);
    execute_as(state, credentials, origin, db, request).await
}

/// Runs `request` with `credentials` and loaders scoped to them over `db`, from `origin`;
/// over HTTP and over a websocket alike. A query reads from the replica, when there is one,
/// unless its person wrote lately; a mutation works on the primary.
pub(super) async fn execute_as(
    state: &AppState,
    credentials: Credentials,
    origin: RequestOrigin,
    db: Handles,
    request: async_graphql::Request,
) -> async_graphql::Response {
    let name = request.operation_name.clone();
    let started = std::time::Instant::now();
    let (spawner, loads) = load_queue();
    let mutation = state.executor.holds_a_mutation(&request.query);
    let span = tracing::Span::current();
    if !span.is_disabled() {
        trace_operation(state, &credentials, &request);
    }
    let person = credentials.user().ok();
    let session = Session::new(credentials, db.primary, spawner);
    let session = match db.replica {
        Some(replica)
            if !mutation
                && !person.is_some_and(|person| state.recent_writers.wrote_lately(person)) =>
        {
            session.reading_from(replica)
        }
        _ => session,
    };
    let request = request.data(session).data(origin);
    // The request runs in a task of its own, to its end even when the client hangs up: a
    // statement cancelled half-way costs its pooled connection, and a mutation half-done
    // would leave the client guessing. Only its timeout stops it, dropping its transaction.
    let executor = state.executor.clone();
    let limit = state.request_timeout;
    let execution = tokio::spawn(
        async move {
            let run = loads.run_beside(executor.execute(request));
            let Some(limit) = limit else {
                return run.await;
            };
            tokio::time::timeout(limit, run).await.unwrap_or_else(|_| {
                async_graphql::Response::from_errors(vec![
                    AppError::RequestTimeout(limit.as_millis()).into_request_error(),
                ])
            })
        }
        // Its statements' spans are the request's children.
        .instrument(span),
    );
    let mut response = match execution.await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%error, "a request's task failed");
            async_graphql::Response::from_errors(vec![
                AppError::Internal(error.into()).into_request_error(),
            ])
        }
    };
    if mutation {
        // Committed by now: this instance's subscribers may hear of it, and its person's next
        // queries read it from the primary.
        state.broker.committed();
        if let Some(person) = person {
            state.recent_writers.wrote(person);
        }
    }
    tag_uncoded_errors(&mut response);
    state.metrics.operation(Operation {
        kind: if mutation { "mutation" } else { "query" },
        name: name.as_deref(),
        duration: started.elapsed(),
        error_codes: response.errors.iter().filter_map(error_code).collect(),
    });
    response
}

/// Records the operation `request` picks and its viewer on the request's span.
fn trace_operation(state: &AppState, credentials: &Credentials, request: &async_graphql::Request) {
    let Some((name, kind)) = state.executor.operation(request) else {
        return;
    };
    telemetry::record_operation(telemetry::OperationFields {
        name: name.as_deref(),
        kind: match kind {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        },
        viewer: match credentials {
            Credentials::User(user) => Some(*user),
            _ => None,
        },
        document: state.trace_document.then_some(request.query.as_str()),
    });
}

/// An error's `extensions.code`.
fn error_code(error: &ServerError) -> Option<String> {
    match error.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code.clone()),
        _ => None,
    }
}

/// A GraphQL response as the spec shapes it: a request error (nothing ran) has no `data`.
#[derive(Serialize)]
pub(super) struct Shaped<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> Shaped<'a> {
    pub(super) fn of(response: &'a async_graphql::Response) -> Self {
        Self {
            data: (!is_request_error(response)).then_some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

/// The HTTP answer to one GraphQL response.
fn answer(media: ResponseMedia, response: &async_graphql::Response) -> Response {
    let status = if !is_request_error(response) {
        StatusCode::OK
    } else if timed_out(response) {
        media.timeout_status()
    } else {
        media.request_error_status()
    };
    let body = serde_json::to_vec(&Shaped::of(response)).expect("a response serialises");
    json_answer(media, status, body)
}

/// Whether the request was stopped by its timeout.
fn timed_out(response: &async_graphql::Response) -> bool {
    let timeout = async_graphql::Value::from(code::TIMEOUT);
    response.errors.iter().any(|error| {
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"));
        code == Some(&timeout)
    })
}

fn json_answer(media: ResponseMedia, status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response
}

/// Tells the client, and the metrics, how many statements the request sent.
fn with_statements(state: &AppState, mut response: Response, counters: &Counters) -> Response {
    let (primary, replica) = counters.get();
    let statements = primary + replica;
    state.metrics.statements(statements);
    state.metrics.pool_statements(primary, replica);
    response
        .headers_mut()
        .insert(STATEMENTS_HEADER, HeaderValue::from(statements));
    response
}

/// A body that could not be read: larger than the limit, or cut off.
fn too_large_or_unreadable(rejection: BytesRejection) -> Refusal {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::PAYLOAD_TOO_LARGE,
            "the body is larger than this server accepts (ORGRAPH_MAX_BODY_BYTES)",
        )
    } else {
        Refusal::bad_request(format!("the body could not be read: {rejection}"))
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers
        .get(name)
        .map(|value| value.to_str().unwrap_or_default())
}

/// Where the request came from, for the audit log: a sane `x-request-id` from the client or
/// proxy, the client's address (behind a trusted proxy, the one it forwarded for) and user
/// agent.
pub(super) fn request_origin(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
) -> RequestOrigin {
    let header = |name: &str, max: usize| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.is_empty() && value.len() <= max)
            .map(str::to_owned)
    };
    RequestOrigin::new(
        super::client_request_id(headers),
        client.map(|address| state.rate_limits.client_address(address.ip(), headers)),
        header("user-agent", 500),
    )
}
