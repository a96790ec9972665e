//! Variable values checked against the types their operation declares, as GraphQL's
//! "CoerceVariableValues" asks: a value that does not fit is a request error, and nothing runs.
//!
//! async-graphql checks variable values only inside its full validation, which a document that
//! already passed it skips (`graphql::executor`); its checker is private, so this is the part of
//! it that depends on the request rather than on the document. A variable used where its type
//! does not fit is a document error, found by the full validation.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{OutputType, ServerError, Value, Variables};

use super::{Mutation, Query};

/// The schema's types, as far as arguments reach them: the types variables can have.
pub fn input_types() -> Registry {
    let mut registry = Registry::default();
    Query::create_type_info(&mut registry);
    Mutation::create_type_info(&mut registry);
    registry
}

/// Checks `variables` against the operation `operation_name` picks in `document`. A document
/// whose operation cannot be picked passes: the executor reports that itself.
pub fn check_request(
    registry: &Registry,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<(), ServerError> {
    match picked_operation(document, operation_name) {
        Some(operation) => check(registry, operation, variables),
        None => Ok(()),
    }
}

/// The operation a request runs, picked as the executor picks it.
fn picked_operation<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The first variable of `operation` whose value is missing or does not fit its declared type.
fn check(
    registry: &Registry,
    operation: &OperationDefinition,
    variables: &Variables,
) -> Result<(), ServerError> {
    for definition in &operation.variable_definitions {
        let variable = &definition.node;
        let declared = variable.var_type.node.to_string();
        let problem = match variables.get(&variable.name.node) {
            Some(value) => misfit(registry, &declared, value),
            None if variable.default_value.is_none() && !variable.var_type.node.nullable => Some(
                format!("of type \"{declared}\" is required but not provided"),
            ),
            None => None,
        };
        if let Some(problem) = problem {
            return Err(ServerError::new(
                format!("Variable \"${}\" {problem}", variable.name.node),
                Some(definition.pos),
            ));
        }
    }
    Ok(())
}

/// Why `value` does not fit the type named `type_name` (`[ID!]!` and the like), if it does not.
fn misfit(registry: &Registry, type_name: &str, value: &Value) -> Option<String> {
    match MetaTypeName::create(type_name) {
        MetaTypeName::NonNull(inner) => match value {
            Value::Null => Some(format!("got null where \"{type_name}\" is expected")),
            _ => misfit(registry, inner, value),
        },
        MetaTypeName::List(item_type) => match value {
            Value::List(items) => items.iter().enumerate().find_map(|(index, item)| {
                misfit(registry, item_type, item).map(|problem| format!("item {index}: {problem}"))
            }),
            Value::Null => None,
            // A single value stands for a list of one.
            _ => misfit(registry, item_type, value),
        },
        MetaTypeName::Named(_) if matches!(value, Value::Null) => None,
        MetaTypeName::Named(name) => misfit_named(registry, name, value),
    }
}

/// Why the non-null `value` does not fit the named type `name`. Types the schema does not have,
/// or that are not input types, are the document's error, found by validation.
fn misfit_named(registry: &Registry, name: &str, value: &Value) -> Option<String> {
    let expected = || Some(format!("got an invalid value: expected type \"{name}\""));
    match registry.types.get(name)? {
        MetaType::Scalar {
            is_valid: Some(is_valid),
            ..
        } => (!is_valid(value)).then(expected).flatten(),
        MetaType::Enum { enum_values, .. } => {
            let item = match value {
                Value::Enum(item) => item.as_str(),
                Value::String(item) => item.as_str(),
                _ => return expected(),
            };
            (!enum_values.contains_key(item))
                .then(|| format!("\"{item}\" is not a value of \"{name}\""))
        }
        // The schema has no one-of input objects, so their one-field rule is not checked.
        MetaType::InputObject { input_fields, .. } => {
            let Value::Object(fields) = value else {
                return expected();
            };
            if let Some(unknown) = fields
                .keys()
                .find(|key| !input_fields.contains_key(key.as_str()))
            {
                return Some(format!("\"{unknown}\" is not a field of \"{name}\""));
            }
            input_fields
                .values()
                .find_map(|field| match fields.get(field.name.as_str()) {
                    Some(field_value) => misfit(registry, &field.ty, field_value)
                        .map(|problem| format!("field \"{}\": {problem}", field.name)),
                    None if MetaTypeName::create(&field.ty).is_non_null()
                        && field.default_value.is_none() =>
                    {
                        Some(format!(
                            "field \"{}\" of type \"{}\" is required but not provided",
                            field.name, field.ty
                        ))
                    }
                    None => None,
                })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use serde_json::json;

    use super::*;

    /// The message of the error `variables` (JSON) raise in `query`, or `None` when they fit.
    fn problem(
        query: &str,
        operation_name: Option<&str>,
        variables: serde_json::Value,
    ) -> Option<String> {
        let document = parse_query(query).expect("parses");
        let variables = Variables::from_json(variables);
        check_request(&input_types(), &document, operation_name, &variables)
            .err()
            .map(|error| error.message)
    }

    const LOOKUP: &str = "query Lookup($id: ID!) { node(id: $id) { id } }";

    #[test]
    fn values_that_fit_pass() {
        assert_eq!(
            problem(LOOKUP, None, json!({ "id": "QXNzZXNzbWVudDox" })),
            None
        );
        assert_eq!(
            problem(LOOKUP, None, json!({ "id": 7 })),
            None,
            "an ID may be a number"
        );
        let filtered = "query($filter: AssessmentFilter, $first: Int = 10) { viewer { id } }";
        assert_eq!(
            problem(filtered, None, json!({})),
            None,
            "nullable and defaulted"
        );
        let filter = json!({ "filter": { "assessmentTypes": ["BPM", "AI_READINESS"] } });
        assert_eq!(problem(filtered, None, filter), None);
        let one_for_a_list = json!({ "filter": { "assessmentTypes": "BPM" } });
        assert_eq!(
            problem(filtered, None, one_for_a_list),
            None,
            "a value stands for a list of one"
        );
    }

    #[test]
    fn a_missing_or_null_required_variable_is_named() {
        assert_eq!(
            problem(LOOKUP, None, json!({})).as_deref(),
            Some("Variable \"$id\" of type \"ID!\" is required but not provided")
        );
        assert_eq!(
            problem(LOOKUP, None, json!({ "id": null })).as_deref(),
            Some("Variable \"$id\" got null where \"ID!\" is expected")
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_with_where_it_is() {
        assert_eq!(
            problem(LOOKUP, None, json!({ "id": true })).as_deref(),
            Some("Variable \"$id\" got an invalid value: expected type \"ID\"")
        );
        let filtered = "query($filter: AssessmentFilter) { viewer { id } }";
        assert_eq!(
            problem(
                filtered,
                None,
                json!({ "filter": { "assessmentTypes": ["BPM", "CHESS"] } })
            )
            .as_deref(),
            Some(
                "Variable \"$filter\" field \"assessmentTypes\": item 1: \"CHESS\" is not a value \
                 of \"AssessmentType\""
            )
        );
        assert_eq!(
            problem(filtered, None, json!({ "filter": { "colour": "red" } })).as_deref(),
            Some("Variable \"$filter\" \"colour\" is not a field of \"AssessmentFilter\"")
        );
        assert_eq!(
            problem(filtered, None, json!({ "filter": 3 })).as_deref(),
            Some("Variable \"$filter\" got an invalid value: expected type \"AssessmentFilter\"")
        );
        let ordered = "query($order: AssessmentOrder) { viewer { id } }";
        assert_eq!(
            problem(ordered, None, json!({ "order": { "field": "CREATED_AT" } })).as_deref(),
            Some(
                "Variable \"$order\" field \"direction\" of type \"OrderDirection!\" is required \
                 but not provided"
            )
        );
    }

    #[test]
    fn the_operation_the_request_names_is_the_one_checked() {
        let two = "query A($id: ID!) { node(id: $id) { id } } query B { viewer { id } }";
        assert!(problem(two, Some("A"), json!({})).is_some());
        assert_eq!(problem(two, Some("B"), json!({})), None);
        // Without a name, or with one the document lacks, the executor reports it.
        assert_eq!(problem(two, None, json!({})), None);
        assert_eq!(problem(two, Some("C"), json!({})), None);
    }
}
