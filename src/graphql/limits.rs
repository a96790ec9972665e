//! A schema extension that gives every error of the parse and validation phases its
//! `extensions.code`, and refuses a query beyond the configured depth or complexity with
//! `QUERY_TOO_COMPLEX`, naming the figure and the limit. async-graphql's own limits raise
//! uncoded errors, so they are left unset and checked here. It belongs to the executor's
//! checking schema, which validates each request and executes nothing (`graphql::executor`).

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::error::code;

/// The most a query may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// The deepest nesting of fields.
    pub depth: usize,
    /// The most fields, each counted once per row its list may return.
    pub complexity: usize,
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for QueryLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|error| with_code(error, code::BAD_USER_INPUT))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| with_code(error, code::BAD_USER_INPUT))
                .collect::<Vec<_>>()
        })?;
        self.check(&result).map_err(|error| vec![error])?;
        Ok(result)
    }

    /// A checked request is not run here: the executing schema runs it.
    async fn execute(
        &self,
        _ctx: &ExtensionContext<'_>,
        _operation_name: Option<&str>,
        _next: NextExecute<'_>,
    ) -> Response {
        Response::default()
    }
}

impl QueryLimits {
    /// Refuses a validated query beyond the limits.
    fn check(&self, result: &ValidationResult) -> Result<(), ServerError> {
        let refused =
            |message: String| with_code(ServerError::new(message, None), code::QUERY_TOO_COMPLEX);
        if result.depth > self.depth {
            return Err(refused(format!(
                "the query is nested {} levels deep; at most {} are allowed",
                result.depth, self.depth
            )));
        }
        if result.complexity > self.complexity {
            return Err(refused(format!(
                "the query's complexity is {}; at most {} is allowed (each field counts once \
                 per row its list may return)",
                result.complexity, self.complexity
            )));
        }
        Ok(())
    }
}

/// `error` with `code` in its extensions.
pub fn with_code(mut error: ServerError, code: &'static str) -> ServerError {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Value;

    fn code_of(error: &ServerError) -> Option<Value> {
        error.extensions.as_ref()?.get("code").cloned()
    }

    #[test]
    fn a_query_beyond_a_limit_is_too_complex_and_says_by_how_much() {
        let limits = QueryLimits {
            depth: 5,
            complexity: 100,
        };
        let within = ValidationResult {
            cache_control: Default::default(),
            complexity: 100,
            depth: 5,
        };
        assert!(limits.check(&within).is_ok());
        let deep = ValidationResult { depth: 6, ..within };
        let error = limits.check(&deep).unwrap_err();
        assert_eq!(code_of(&error), Some(Value::from(code::QUERY_TOO_COMPLEX)));
        assert!(error.message.contains("6 levels") && error.message.contains("at most 5"));
        let costly = ValidationResult {
            complexity: 101,
            ..within
        };
        let error = limits.check(&costly).unwrap_err();
        assert!(error.message.contains("101") && error.message.contains("at most 100"));
    }
}
