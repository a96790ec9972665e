//! Runs GraphQL requests. Each query's text is parsed once and the document kept
//! (`graphql::documents`). Every request is then validated in full, with its own variables, by
//! a *checking* schema that carries the query-limits extension and executes nothing, and
//! executed by an *executing* schema without extensions. async-graphql runs every field of a
//! schema that has any extension through the extension chain (a boxed future and a lookup of
//! the field's type per field, list items included): on the bench's nested scenario that was a
//! third of orgraph's own CPU time (BENCHMARKS.md). The executing schema's validation is
//! async-graphql's `Fast` mode, which checks nothing the checking schema has not. Its response
//! is then completed to the shape the spec requires (`graphql::completion`).

use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};
use async_graphql::{
    Request, Response, SchemaBuilder, ServerError, ValidationMode, Value, Variables,
};
use futures_util::stream::{BoxStream, StreamExt};

use super::completion::ResponseShape;
use super::documents::ParsedDocuments;
use super::input_limits;
use super::limits::QueryLimits;
use super::{Mutation, OrgraphSchema, Query, Subscription};
use crate::error::AppError;

/// The two schemas, and the documents they have parsed.
pub struct Executor {
    checking: OrgraphSchema,
    executing: OrgraphSchema,
    documents: ParsedDocuments,
    /// The longest list an input may hold.
    max_list_input: usize,
}

impl Executor {
    /// Builds both schemas with `configured` (data, introspection), refusing queries beyond
    /// `limits` and list inputs longer than `max_list_input`, keeping at most about
    /// `documents_memory` bytes of parsed documents.
    pub fn new(
        configured: impl Fn() -> SchemaBuilder<Query, Mutation, Subscription>,
        limits: QueryLimits,
        max_list_input: usize,
        documents_memory: u64,
    ) -> Self {
        let executing = configured().validation_mode(ValidationMode::Fast).finish();
        let shape = ResponseShape::from_sdl(&executing.sdl()).expect("a schema's SDL parses");
        Self {
            checking: configured().extension(limits).finish(),
            executing,
            documents: ParsedDocuments::new(documents_memory, shape),
            max_list_input,
        }
    }

    /// Whether `query` holds a mutation.
    pub fn holds_a_mutation(&self, query: &str) -> bool {
        self.documents.holds_a_mutation(query)
    }

    /// Whether the operation `request` picks is a subscription.
    pub fn is_subscription(&self, request: &Request) -> bool {
        self.documents.parse(&request.query).is_some_and(|parsed| {
            pick_operation(&parsed, request.operation_name.as_deref())
                .is_ok_and(|operation| operation.ty == OperationType::Subscription)
        })
    }

    /// The name (when it has one) and type of the operation `request` picks, for its trace;
    /// `None` for a document that does not parse or names no operation it holds.
    pub fn operation(&self, request: &Request) -> Option<(Option<String>, OperationType)> {
        let parsed = self.documents.parse(&request.query)?;
        let operation = pick_operation(&parsed, request.operation_name.as_deref()).ok()?;
        let name = request
            .operation_name
            .clone()
            .or_else(|| match &parsed.operations {
                DocumentOperations::Multiple(operations) => {
                    operations.keys().next().map(ToString::to_string)
                }
                DocumentOperations::Single(_) => None,
            });
        Some((name, operation.ty))
    }

    /// The checks the schemas' validation leaves out, on the document `request` parses to.
    fn precheck(&self, request: &Request) -> Result<Option<Arc<ExecutableDocument>>, ServerError> {
        let Some(parsed) = self.documents.parse(&request.query) else {
            return Ok(None);
        };
        pick_operation(&parsed, request.operation_name.as_deref())
            .and_then(|operation| required_variables(operation, &request.variables))
            .and_then(|()| input_limits::check(&parsed, &request.variables, self.max_list_input))?;
        Ok(Some(parsed))
    }

    /// Checks `request` in full with the checking schema: its parsed document, set on it for
    /// the executing schema, or the response that refuses it.
    async fn check(
        &self,
        mut request: Request,
    ) -> Result<(Request, Arc<ExecutableDocument>), Response> {
        let mut check = Request::new(request.query.clone()).variables(request.variables.clone());
        check.operation_name = request.operation_name.clone();
        let parsed = self
            .precheck(&request)
            .map_err(|error| Response::from_errors(vec![error]))?;
        if let Some(parsed) = &parsed {
            // Schemas take the document apart as they run: each gets its own copy.
            check.set_parsed_query(parsed.as_ref().clone());
        }
        // A document that does not parse is reported by the checking schema's own parse.
        let verdict = self.checking.execute(check).await;
        if verdict.is_err() {
            return Err(verdict);
        }
        // Unreachable without a document: a document that does not parse fails its check.
        let parsed = parsed.ok_or(verdict)?;
        request.set_parsed_query(parsed.as_ref().clone());
        Ok((request, parsed))
    }

    /// `response` completed to the shape the spec requires.
    fn complete(&self, parsed: &ExecutableDocument, request: &Answered, response: &mut Response) {
        if let Ok(operation) = pick_operation(parsed, request.operation_name.as_deref()) {
            let shape = self.documents.shape();
            shape.complete(parsed, operation, &request.variables, response);
        }
    }

    /// Runs a subscription `request`, checked like any request, each of its responses
    /// completed like a query's.
    pub fn execute_stream(self: &Arc<Self>, request: Request) -> BoxStream<'static, Response> {
        let executor = self.clone();
        futures_util::stream::once(async move {
            let checked = executor.check(request).await;
            (executor, checked)
        })
        .flat_map(|(executor, checked)| match checked {
            Err(refused) => futures_util::stream::once(async { refused }).boxed(),
            Ok((request, parsed)) => {
                let answered = Answered::of(&request);
                let responses = executor.executing.execute_stream(request);
                responses
                    .map(move |mut response| {
                        executor.complete(&parsed, &answered, &mut response);
                        response
                    })
                    .boxed()
            }
        })
        .boxed()
    }

    /// Runs `request`.
    pub async fn execute(&self, request: Request) -> Response {
        let (request, parsed) = match self.check(request).await {
            Ok(checked) => checked,
            Err(refused) => return refused,
        };
        let answered = Answered::of(&request);
        let mut response = self.executing.execute(request).await;
        self.complete(&parsed, &answered, &mut response);
        response
    }
}

/// What the completion pass needs of a request once it has run.
struct Answered {
    operation_name: Option<String>,
    variables: Variables,
}

impl Answered {
    fn of(request: &Request) -> Self {
        Self {
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
        }
    }
}

/// The operation of `document` that `operation_name` picks: the only one when none is named.
fn pick_operation<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Result<&'a OperationDefinition, ServerError> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Ok(&operation.node),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            Ok(&operations.values().next().expect("one operation").node)
        }
        (DocumentOperations::Multiple(operations), None) => Err(refused(format!(
            "the document holds {} operations: name one with `operationName`",
            operations.len()
        ))),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get(name)
            .map(|operation| &operation.node)
            .ok_or_else(|| refused(format!("the document has no operation named `{name}`"))),
        (DocumentOperations::Single(_), Some(name)) => Err(refused(format!(
            "the document has no operation named `{name}`"
        ))),
    }
}

/// Refuses a request that leaves out a variable of a non-null type without a default, or
/// gives it `null`: the schema's validation checks the values of the arguments they fill,
/// not the values missing.
fn required_variables(
    operation: &OperationDefinition,
    variables: &Variables,
) -> Result<(), ServerError> {
    for definition in &operation.variable_definitions {
        let definition = &definition.node;
        if definition.var_type.node.nullable {
            continue;
        }
        let (name, declared) = (&definition.name.node, &definition.var_type.node);
        match variables.get(name) {
            Some(Value::Null) => {
                return Err(refused(format!(
                    "Variable \"${name}\" of non-null type \"{declared}\" must not be null."
                )));
            }
            None if definition.default_value.is_none() => {
                return Err(refused(format!(
                    "Variable \"${name}\" of required type \"{declared}\" was not provided."
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A request error: `BAD_USER_INPUT`, nothing run.
fn refused(message: String) -> ServerError {
    AppError::BadUserInput {
        message,
        field: None,
    }
    .into_request_error()
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    #[test]
    fn a_required_variable_must_be_given() {
        let document =
            parse_query("query($id: ID!, $n: Int = 3, $s: String) { __typename }").unwrap();
        let operation = pick_operation(&document, None).unwrap();
        let given = Variables::from_json(serde_json::json!({ "id": "x" }));
        assert!(required_variables(operation, &given).is_ok());
        let missing = required_variables(operation, &Variables::default()).unwrap_err();
        assert!(missing.message.contains("\"$id\""), "{}", missing.message);
        let null = Variables::from_json(serde_json::json!({ "id": null }));
        let null = required_variables(operation, &null).unwrap_err();
        assert!(
            null.message.contains("must not be null"),
            "{}",
            null.message
        );
    }

    #[test]
    fn an_operation_name_must_pick_one_operation() {
        let single = parse_query("{ __typename }").unwrap();
        assert!(pick_operation(&single, None).is_ok());
        assert!(pick_operation(&single, Some("A")).is_err());
        let two = parse_query("query A { __typename } query B { __typename }").unwrap();
        assert!(pick_operation(&two, Some("B")).is_ok());
        let unnamed = pick_operation(&two, None).unwrap_err();
        assert!(
            unnamed.message.contains("2 operations"),
            "{}",
            unnamed.message
        );
        let unknown = pick_operation(&two, Some("C")).unwrap_err();
        assert!(unknown.message.contains("`C`"), "{}", unknown.message);
    }
}
