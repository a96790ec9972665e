//! Runs GraphQL requests: each query's text is parsed once and the document kept
//! (`graphql::documents`), then validated and executed by the schema as every request is.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition};
use async_graphql::{Request, Response, ServerError, Value, Variables};

use super::OrgraphSchema;
use super::documents::ParsedDocuments;
use super::limits::with_code;
use crate::error::code;

/// The schema, and the documents it has parsed.
pub struct Executor {
    schema: OrgraphSchema,
    documents: ParsedDocuments,
}

impl Executor {
    /// Runs `schema`, keeping at most about `documents_memory` bytes of parsed documents.
    pub fn new(schema: OrgraphSchema, documents_memory: u64) -> Self {
        Self {
            schema,
            documents: ParsedDocuments::new(documents_memory),
        }
    }

    /// The schema, for transports this executor does not run (websockets).
    pub fn schema(&self) -> &OrgraphSchema {
        &self.schema
    }

    /// Whether `query` holds a mutation.
    pub fn holds_a_mutation(&self, query: &str) -> bool {
        self.documents.holds_a_mutation(query)
    }

    /// Runs `request`.
    pub async fn execute(&self, mut request: Request) -> Response {
        // A document that does not parse is reported by the schema's own parse.
        if let Some(parsed) = self.documents.parse(&request.query) {
            let checked = pick_operation(&parsed, request.operation_name.as_deref())
                .and_then(|operation| required_variables(operation, &request.variables));
            if let Err(error) = checked {
                return Response::from_errors(vec![error]);
            }
            // The executor takes the document apart as it runs: each request gets its copy.
            request.set_parsed_query(parsed.as_ref().clone());
        }
        self.schema.execute(request).await
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
    with_code(ServerError::new(message, None), code::BAD_USER_INPUT)
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
