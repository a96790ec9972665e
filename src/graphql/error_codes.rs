//! Gives request-level errors (syntax, validation, query limits, argument coercion) their
//! `extensions.code`.
//!
//! Resolver errors get theirs from [`crate::error::AppError`]; these errors are raised by
//! async-graphql itself, so they are tagged on the way out. (A schema extension could tag them
//! too, but any extension wraps every field's resolution in a boxed future: a cost per field.)

use async_graphql::{Response, ServerError};

use crate::error::code;

/// async-graphql's messages for its depth and complexity limits (validation/mod.rs, v7).
const LIMIT_MESSAGES: [&str; 2] = ["Query is too complex.", "Query is nested too deep."];

/// Tags every error of `response` that has no code yet.
pub fn tag_uncoded_errors(response: &mut Response) {
    for error in &mut response.errors {
        let coded = error
            .extensions
            .as_ref()
            .is_some_and(|extensions| extensions.get("code").is_some());
        if !coded {
            let tag = if LIMIT_MESSAGES.contains(&error.message.as_str()) {
                code::QUERY_TOO_COMPLEX
            } else {
                code::BAD_USER_INPUT
            };
            set_code(error, tag);
        }
    }
}

fn set_code(error: &mut ServerError, code: &'static str) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Value;

    fn code_of(response: &Response) -> Option<Value> {
        response.errors[0]
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code").cloned())
    }

    #[test]
    fn limits_are_too_complex_and_other_uncoded_errors_bad_input() {
        let mut response = Response::from_errors(vec![
            ServerError::new("Query is too complex.", None),
            ServerError::new("Unknown field \"shoeSize\"", None),
        ]);
        tag_uncoded_errors(&mut response);
        assert_eq!(
            code_of(&response),
            Some(Value::from(code::QUERY_TOO_COMPLEX))
        );
        let second = response.errors[1]
            .extensions
            .as_ref()
            .unwrap()
            .get("code")
            .cloned();
        assert_eq!(second, Some(Value::from(code::BAD_USER_INPUT)));
    }

    #[test]
    fn coded_errors_keep_their_code() {
        let mut error = ServerError::new("not found", None);
        set_code(&mut error, code::NOT_FOUND);
        let mut response = Response::from_errors(vec![error]);
        tag_uncoded_errors(&mut response);
        assert_eq!(code_of(&response), Some(Value::from(code::NOT_FOUND)));
    }
}
