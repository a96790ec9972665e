//! `GET /exports/{id}`: a data export's archive, downloaded once by its subject with their
//! token. Anyone else, an unknown id, a second download and an expired archive get the same
//! `404 NOT_FOUND`: nobody learns whether someone else's export exists.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use uuid::Uuid;

use super::media::ResponseMedia;
use super::refusal::Refusal;
use crate::auth::viewer::Credentials;
use crate::db;
use crate::error::code;
use crate::privacy::export;
use crate::startup::AppState;

pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let refuse = |status, code, message: &str| {
        Refusal::new(status, code, message).into_response(ResponseMedia::Json)
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let person = match Credentials::read(authorization, &state.keys).user() {
        Ok(person) => person,
        Err(_) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                code::UNAUTHENTICATED,
                "a download needs the subject's token",
            );
        }
    };
    let not_found = || refuse(StatusCode::NOT_FOUND, code::NOT_FOUND, "no such export");
    let Ok(request) = Uuid::parse_str(&id) else {
        return not_found();
    };
    match db::viewer::active_user(&state.db, person).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                code::UNAUTHENTICATED,
                "the token's person is not active",
            );
        }
        Err(error) => return internal(error.into()),
    }
    match export::take(&state.db, request, person, Utc::now()).await {
        Ok(Some(archive)) => {
            let disposition = format!("attachment; filename=\"orgraph-export-{request}.zip\"");
            let mut response = (StatusCode::OK, archive).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Ok(None) => not_found(),
        Err(error) => internal(error.into()),
    }
}

fn internal(error: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{error:#}"), "an export download failed");
    Refusal::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        code::INTERNAL_SERVER_ERROR,
        "internal error",
    )
    .into_response(ResponseMedia::Json)
}
