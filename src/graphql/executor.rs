//! Runs GraphQL requests over HTTP. A document's first requests are validated in full; once one
//! has passed, later requests with the same text skip the rules that depend only on the document
//! and the schema. Full validation was about two thirds of orgraph's own time on a one-row
//! `lookup` (BENCHMARKS.md). Variable values are checked on every request, before either path
//! (`graphql::variables`), and depth and complexity limits are computed on every request from
//! its own variables.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::registry::Registry;
use async_graphql::{
    Request, Response, SchemaBuilder, ServerError, ValidationMode, ValidationResult,
};

use super::documents::{ParsedDocument, ParsedDocuments};
use super::{Mutation, OrgraphSchema, Query, variables};

/// The schema twice over, and the documents it has seen.
pub struct Executor {
    /// Every validation rule: documents not yet known to be valid, and subscriptions.
    validating: OrgraphSchema,
    /// async-graphql's fast validation, which computes depth and complexity and checks no
    /// rule a valid document could break: documents that passed `validating` before.
    trusting: OrgraphSchema,
    documents: ParsedDocuments,
    /// The input types variables are checked against.
    registry: Registry,
}

impl Executor {
    /// Builds both schemas with `configured` (limits, data, introspection), keeping at most about
    /// `documents_memory` bytes of parsed documents.
    pub fn new(
        configured: impl Fn() -> SchemaBuilder<Query, Mutation, async_graphql::EmptySubscription>,
        documents_memory: u64,
    ) -> Self {
        Self {
            validating: configured().extension(RecordValidDocuments).finish(),
            trusting: configured().validation_mode(ValidationMode::Fast).finish(),
            documents: ParsedDocuments::new(documents_memory),
            registry: variables::input_types(),
        }
    }

    /// The fully validating schema, for transports this executor does not run (websockets).
    pub fn schema(&self) -> &OrgraphSchema {
        &self.validating
    }

    /// Whether `query` holds a mutation.
    pub fn holds_a_mutation(&self, query: &str) -> bool {
        self.documents.holds_a_mutation(query)
    }

    /// Runs `request`. A variable that does not fit its declared type is a request error: the
    /// response has no data, and nothing runs.
    pub async fn execute(&self, mut request: Request) -> Response {
        let Some(parsed) = self.documents.parse(&request.query) else {
            // The executor reports the syntax error.
            return self.validating.execute(request).await;
        };
        if let Err(error) = variables::check_request(
            &self.registry,
            &parsed.document,
            request.operation_name.as_deref(),
            &request.variables,
        ) {
            return Response::from_errors(vec![error]);
        }
        // The executor takes the document apart as it runs, so each request gets its own copy.
        request.set_parsed_query(parsed.document.clone());
        if parsed.is_validated() {
            self.trusting.execute(request).await
        } else {
            self.validating
                .execute(request.data(Validating(parsed)))
                .await
        }
    }
}

/// The document a request on the validating schema runs.
struct Validating(Arc<ParsedDocument>);

/// Marks a request's document valid when the validating schema's rules all passed for it.
struct RecordValidDocuments;

impl ExtensionFactory for RecordValidDocuments {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RecordValidDocuments)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RecordValidDocuments {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if result.is_ok()
            && let Some(Validating(parsed)) = ctx.data_opt::<Validating>()
        {
            parsed.mark_validated();
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::schema_builder;

    /// Whether `executor` holds `query` as known valid.
    fn known_valid(executor: &Executor, query: &str) -> bool {
        executor.documents.parse(query).unwrap().is_validated()
    }

    #[tokio::test]
    async fn only_a_document_that_passed_every_rule_is_known_valid() {
        let executor = Executor::new(schema_builder, 1 << 20);
        let valid = "{ __typename }";
        assert!(!known_valid(&executor, valid));
        assert!(executor.execute(Request::new(valid)).await.is_ok());
        assert!(known_valid(&executor, valid), "passed once, validated once");
        assert!(executor.execute(Request::new(valid)).await.is_ok());

        let unknown_field = "{ shoeSize }";
        assert!(executor.execute(Request::new(unknown_field)).await.is_err());
        assert!(!known_valid(&executor, unknown_field));

        // Refused for its variables before validation ran, then validated with good ones.
        let with_variable = "query($show: Boolean!) { ... @include(if: $show) { __typename } }";
        assert!(executor.execute(Request::new(with_variable)).await.is_err());
        assert!(!known_valid(&executor, with_variable));
        let shown = Request::new(with_variable).variables(async_graphql::Variables::from_json(
            serde_json::json!({ "show": true }),
        ));
        let response = executor.execute(shown).await;
        assert!(response.is_ok(), "{:?}", response.errors);
        assert!(known_valid(&executor, with_variable));
    }
}
