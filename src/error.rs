//! Errors as clients see them: a stable `extensions.code` and a sentence, nothing internal.

use async_graphql::ErrorExtensions;

/// The `extensions.code` values of the API contract.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const CONFLICT: &str = "CONFLICT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    /// A statement ran past `ORGRAPH_DB_STATEMENT_TIMEOUT_SECONDS` and was stopped.
    pub const TIMEOUT: &str = "TIMEOUT";
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
    /// The HTTP request is not a GraphQL request: bad JSON, parameters of the wrong type, a
    /// media type that is not accepted.
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    /// The body is larger than `ORGRAPH_MAX_BODY_BYTES`.
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    /// An automatic persisted query's hash is not known (yet): send the query with it.
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    /// `ORGRAPH_PERSISTED_ONLY` is on and the operation is not in the allow-list.
    pub const OPERATION_NOT_ALLOWED: &str = "OPERATION_NOT_ALLOWED";
    /// A subscriber fell further behind than its buffer: its subscription ended, and
    /// `extensions.resumeToken` resumes it.
    pub const SUBSCRIBER_LAGGED: &str = "SUBSCRIBER_LAGGED";
    /// A resume would replay more events than the server sends: refetch, then subscribe
    /// without a resume token.
    pub const REFETCH_REQUIRED: &str = "REFETCH_REQUIRED";
}

/// Everything a resolver can fail with.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` type into
/// an error *without* an `extensions.code`, and that conversion must never be picked by `?`.
#[derive(Debug)]
pub enum AppError {
    /// No credentials, where a signed-in person is needed.
    Unauthenticated,
    /// Credentials that are not accepted, and why.
    InvalidCredentials(&'static str),
    /// A member of the organisation whose role is weaker than the one needed.
    RoleTooWeak {
        needed: entity::enums::MemberRole,
        held: entity::enums::MemberRole,
    },
    /// Not allowed, for a reason the client may know.
    Refused(String),
    NotFound,
    BadUserInput {
        message: String,
        /// The input path at fault, e.g. `input.slug`.
        field: Option<String>,
    },
    Conflict(String),
    /// The database stopped a statement that ran past its timeout.
    Timeout,
    /// The request ran past `ORGRAPH_REQUEST_TIMEOUT_MS` (this many milliseconds) and was
    /// stopped.
    RequestTimeout(u128),
    /// A limit on how much one client may hold open, and which.
    RateLimited(String),
    /// A subscriber fell behind; `resume_token` resumes where it was.
    SubscriberLagged {
        resume_token: String,
    },
    /// A resume would replay more than `most` events.
    ReplayTooLong {
        most: usize,
    },
    /// Anything unexpected; logged in full, shown to the client as a bare code.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(error: sea_orm::DbErr) -> Self {
        if is_statement_timeout(&error) {
            tracing::warn!(%error, "a statement ran past its timeout");
            return Self::Timeout;
        }
        Self::Internal(error.into())
    }
}

impl From<std::sync::Arc<sea_orm::DbErr>> for AppError {
    /// A loader's shared error.
    fn from(error: std::sync::Arc<sea_orm::DbErr>) -> Self {
        if is_statement_timeout(&error) {
            tracing::warn!(%error, "a statement ran past its timeout");
            return Self::Timeout;
        }
        Self::Internal(anyhow::anyhow!("{error}"))
    }
}

/// Whether PostgreSQL cancelled the statement (`query_canceled`, 57014): its
/// `statement_timeout` ran out.
pub fn is_statement_timeout(error: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Query(RuntimeErr::SqlxError(error))
    | DbErr::Exec(RuntimeErr::SqlxError(error))
    | DbErr::Conn(RuntimeErr::SqlxError(error))) = error
    else {
        return false;
    };
    matches!(error.as_ref(), sea_orm::sqlx::Error::Database(database)
        if database.code().as_deref() == Some("57014"))
}

impl AppError {
    /// The sentence shown to the client.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => {
                "sign in first: send `Authorization: Bearer <token>`".to_owned()
            }
            Self::InvalidCredentials(reason) => format!("the token is not accepted: {reason}"),
            Self::RoleTooWeak { needed, held } => format!(
                "this needs the {} role or a stronger one in the organisation; you hold {}",
                needed.as_str().to_uppercase(),
                held.as_str().to_uppercase()
            ),
            Self::NotFound => "not found".to_owned(),
            Self::BadUserInput { message, .. }
            | Self::Conflict(message)
            | Self::Refused(message) => message.clone(),
            Self::Timeout => "the database took longer than this server allows \
                 (ORGRAPH_DB_STATEMENT_TIMEOUT_SECONDS): ask for smaller pages or fewer nested lists"
                .to_owned(),
            Self::RequestTimeout(limit) => format!(
                "the request took longer than this server allows (ORGRAPH_REQUEST_TIMEOUT_MS, \
                 {limit} ms) and was stopped: a mutation in it is rolled back unless it had \
                 committed (repeat it with its clientMutationId to find out)"
            ),
            Self::RateLimited(message) => message.clone(),
            Self::SubscriberLagged { .. } => "the subscription fell further behind than this \
                 server buffers (ORGRAPH_SUBSCRIPTION_BUFFER) and was ended: subscribe again \
                 with `extensions.resumeToken`"
                .to_owned(),
            Self::ReplayTooLong { most } => format!(
                "more than {most} events happened since the resume token \
                 (ORGRAPH_SUBSCRIPTION_REPLAY_MAX): refetch what the dashboard shows, then \
                 subscribe without a resume token"
            ),
            Self::Internal(_) => "internal server error".to_owned(),
        }
    }

    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated | Self::InvalidCredentials(_) => code::UNAUTHENTICATED,
            Self::RoleTooWeak { .. } | Self::Refused(_) => code::FORBIDDEN,
            Self::NotFound => code::NOT_FOUND,
            Self::BadUserInput { .. } => code::BAD_USER_INPUT,
            Self::Conflict(_) => code::CONFLICT,
            Self::Timeout | Self::RequestTimeout(_) => code::TIMEOUT,
            Self::RateLimited(_) => code::RATE_LIMITED,
            Self::SubscriberLagged { .. } => code::SUBSCRIBER_LAGGED,
            Self::ReplayTooLong { .. } => code::REFETCH_REQUIRED,
            Self::Internal(_) => code::INTERNAL_SERVER_ERROR,
        }
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(error) = self {
            tracing::error!(error = format!("{error:#}"), "internal error");
        }
        async_graphql::Error::new(self.message()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
            if let Self::BadUserInput {
                field: Some(field), ..
            } = self
            {
                extensions.set("field", field.as_str());
            }
            if let Self::SubscriberLagged { resume_token } = self {
                extensions.set("resumeToken", resume_token.as_str());
            }
        })
    }
}

impl AppError {
    /// This error as a request error: raised before any field ran, so it has no path and no
    /// place in the document (`locations` stays out instead of naming line 0).
    pub fn into_request_error(self) -> async_graphql::ServerError {
        let error = self.extend();
        let mut request_error = async_graphql::ServerError::new(error.message, None);
        request_error.extensions = error.extensions;
        request_error
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        error.extend()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Value;

    fn code_of(error: AppError) -> (String, Option<Value>, Option<Value>) {
        let graphql: async_graphql::Error = error.into();
        let extensions = graphql.extensions.expect("extensions are always set");
        (
            graphql.message,
            extensions.get("code").cloned(),
            extensions.get("field").cloned(),
        )
    }

    #[test]
    fn each_variant_maps_to_its_code() {
        let cases = [
            (AppError::Unauthenticated, code::UNAUTHENTICATED),
            (
                AppError::InvalidCredentials("expired"),
                code::UNAUTHENTICATED,
            ),
            (
                AppError::RoleTooWeak {
                    needed: entity::enums::MemberRole::Admin,
                    held: entity::enums::MemberRole::Viewer,
                },
                code::FORBIDDEN,
            ),
            (AppError::Refused("no".into()), code::FORBIDDEN),
            (AppError::NotFound, code::NOT_FOUND),
            (AppError::Conflict("slug taken".into()), code::CONFLICT),
            (AppError::Timeout, code::TIMEOUT),
            (AppError::RateLimited("ten".into()), code::RATE_LIMITED),
            (
                AppError::SubscriberLagged {
                    resume_token: "t".into(),
                },
                code::SUBSCRIBER_LAGGED,
            ),
            (AppError::ReplayTooLong { most: 3 }, code::REFETCH_REQUIRED),
            (
                AppError::BadUserInput {
                    message: "bad".into(),
                    field: None,
                },
                code::BAD_USER_INPUT,
            ),
        ];
        for (error, expected) in cases {
            let (_, code, _) = code_of(error);
            assert_eq!(code, Some(Value::from(expected)));
        }
    }

    #[test]
    fn bad_input_names_the_field() {
        let (message, _, field) = code_of(AppError::BadUserInput {
            message: "slug must be lowercase".into(),
            field: Some("input.slug".into()),
        });
        assert_eq!(message, "slug must be lowercase");
        assert_eq!(field, Some(Value::from("input.slug")));
    }

    #[test]
    fn a_lagged_subscriber_is_told_its_resume_token() {
        let graphql: async_graphql::Error = AppError::SubscriberLagged {
            resume_token: "opaque".into(),
        }
        .into();
        let extensions = graphql.extensions.expect("extensions are always set");
        assert_eq!(extensions.get("resumeToken"), Some(&Value::from("opaque")));
    }

    #[test]
    fn internal_errors_are_censored() {
        let error = AppError::from(sea_orm::DbErr::Custom(
            "relation \"secret_table\" does not exist".into(),
        ));
        let (message, code, _) = code_of(error);
        assert_eq!(message, "internal server error");
        assert_eq!(code, Some(Value::from(code::INTERNAL_SERVER_ERROR)));
    }
}
