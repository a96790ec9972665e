//! The last word on `extensions.code`: codes are attached where errors are raised (resolvers
//! through [`crate::error::AppError`], parse and validation through the query-limits
//! extension), so an error that reaches the response without one is something nobody expected
//! to fail. It is logged and answered as `INTERNAL_SERVER_ERROR`, its message censored.

use async_graphql::Response;

use super::limits::with_code;
use crate::error::code;

/// Gives every uncoded error of `response` the code `INTERNAL_SERVER_ERROR`.
pub fn tag_uncoded_errors(response: &mut Response) {
    for error in &mut response.errors {
        let coded = error
            .extensions
            .as_ref()
            .is_some_and(|extensions| extensions.get("code").is_some());
        if !coded {
            tracing::error!(message = %error.message, path = ?error.path, "uncoded error");
            error.message = "internal server error".to_owned();
            *error = with_code(error.clone(), code::INTERNAL_SERVER_ERROR);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{ServerError, Value};

    fn code_of(response: &Response, index: usize) -> Option<Value> {
        response.errors[index]
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code").cloned())
    }

    #[test]
    fn uncoded_errors_are_internal_and_censored_coded_ones_keep_their_code() {
        let mut response = Response::from_errors(vec![
            ServerError::new("relation \"x\" does not exist", None),
            with_code(ServerError::new("not found", None), code::NOT_FOUND),
        ]);
        tag_uncoded_errors(&mut response);
        assert_eq!(
            code_of(&response, 0),
            Some(Value::from(code::INTERNAL_SERVER_ERROR))
        );
        assert_eq!(response.errors[0].message, "internal server error");
        assert_eq!(code_of(&response, 1), Some(Value::from(code::NOT_FOUND)));
        assert_eq!(response.errors[1].message, "not found");
    }
}
