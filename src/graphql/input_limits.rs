//! Bounds on what a request may carry, checked on the document and its variables before
//! anything runs, for every field alike: text without NUL or other control characters (PostgreSQL
//! refuses NUL where SQLite stores it, so the backends disagreed and one answered 500), lists no
//! longer than `ORGRAPH_MAX_LIST_INPUT` (the backends' bind-parameter limits answered 500), and
//! documents that select at most `MAX_SELECTED_FIELDS` fields, aliases included (100,000
//! `__typename` aliases took most of a second to validate).

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{ServerError, Value, Variables};

use super::limits::with_code;
use crate::error::{AppError, code};

/// The most fields a document may select, counted in its text (each alias, each fragment's
/// fields once).
pub const MAX_SELECTED_FIELDS: usize = 2_000;

/// The most root fields an operation may select (aliases and fragments included): each runs
/// on its own, so their number, not only their cost, is bounded.
pub const MAX_ROOT_FIELDS: usize = 200;

/// Refuses `document` and `variables` beyond the bounds: lists longer than `max_list`, text
/// with control characters, more than [`MAX_SELECTED_FIELDS`] fields, an operation with more
/// than [`MAX_ROOT_FIELDS`] root fields.
pub fn check(
    document: &ExecutableDocument,
    variables: &Variables,
    max_list: usize,
) -> Result<(), ServerError> {
    for (name, value) in variables.iter() {
        check_value(value, &mut format!("${name}"), max_list)?;
    }
    let mut selected = 0;
    let operations: Vec<&SelectionSet> = match &document.operations {
        DocumentOperations::Single(operation) => vec![&operation.node.selection_set.node],
        DocumentOperations::Multiple(operations) => operations
            .values()
            .map(|operation| &operation.node.selection_set.node)
            .collect(),
    };
    let fragments = document
        .fragments
        .values()
        .map(|fragment| &fragment.node.selection_set.node);
    for set in &operations {
        let roots = root_fields(document, set, &mut Vec::new());
        if roots > MAX_ROOT_FIELDS {
            return Err(too_complex(format!(
                "the operation selects {roots} root fields; at most {MAX_ROOT_FIELDS} are allowed"
            )));
        }
    }
    for set in operations.into_iter().chain(fragments) {
        check_set(set, max_list, &mut selected)?;
    }
    Ok(())
}

/// The fields `set` selects at its own level, through fragments too; a fragment already being
/// counted (a cycle, which validation refuses later) counts nothing again.
fn root_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    counting: &mut Vec<&'a str>,
) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fragment) => {
                root_fields(document, &fragment.node.selection_set.node, counting)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) else {
                    return 0;
                };
                if counting.contains(&name) {
                    return 0;
                }
                counting.push(name);
                let fields = root_fields(document, &fragment.node.selection_set.node, counting);
                counting.pop();
                fields
            }
        })
        .sum()
}

fn too_complex(message: String) -> ServerError {
    with_code(ServerError::new(message, None), code::QUERY_TOO_COMPLEX)
}

fn check_set(set: &SelectionSet, max_list: usize, selected: &mut usize) -> Result<(), ServerError> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                *selected += 1;
                if *selected > MAX_SELECTED_FIELDS {
                    return Err(too_complex(format!(
                        "the document selects more than {MAX_SELECTED_FIELDS} fields \
                         (aliases included)"
                    )));
                }
                let field = &field.node;
                for (name, value) in &field.arguments {
                    // Variables are checked with their values.
                    if let Ok(value) = value.node.clone().into_const_with(|_| Err::<Value, ()>(()))
                    {
                        let mut path = format!("{}({}:)", field.name.node, name.node);
                        check_value(&value, &mut path, max_list)?;
                    }
                }
                check_set(&field.selection_set.node, max_list, selected)?;
            }
            Selection::InlineFragment(fragment) => {
                check_set(&fragment.node.selection_set.node, max_list, selected)?;
            }
            Selection::FragmentSpread(_) => {}
        }
    }
    Ok(())
}

/// Checks `value` found at `path` (extended in place while descending).
fn check_value(value: &Value, path: &mut String, max_list: usize) -> Result<(), ServerError> {
    match value {
        Value::String(text) => match text.chars().find(|c| is_refused_control(*c)) {
            Some(c) => Err(refused(
                path,
                format!(
                    "must not contain control characters (found U+{:04X})",
                    c as u32
                ),
            )),
            None => Ok(()),
        },
        Value::List(items) => {
            if items.len() > max_list {
                return Err(refused(
                    path,
                    format!(
                        "holds {} items; at most {max_list} are accepted",
                        items.len()
                    ),
                ));
            }
            let length = path.len();
            for (index, item) in items.iter().enumerate() {
                path.push_str(&format!("[{index}]"));
                check_value(item, path, max_list)?;
                path.truncate(length);
            }
            Ok(())
        }
        Value::Object(fields) => {
            let length = path.len();
            for (name, field) in fields {
                path.push('.');
                path.push_str(name);
                check_value(field, path, max_list)?;
                path.truncate(length);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Control characters other than tab and line breaks, which free text may hold.
fn is_refused_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn refused(path: &str, message: String) -> ServerError {
    AppError::BadUserInput {
        message: format!("{path} {message}"),
        field: Some(path.to_owned()),
    }
    .into_request_error()
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;
    use serde_json::json;

    fn checked(query: &str, variables: serde_json::Value) -> Result<(), ServerError> {
        let document = parse_query(query).unwrap();
        check(&document, &Variables::from_json(variables), 3)
    }

    #[test]
    fn root_fields_are_counted_through_fragments_and_a_cycle_counts_once() {
        let document = parse_query(
            "query { a b ...F ... on Query { c } } fragment F on Query { d e ...G } \
             fragment G on Query { f ...F }",
        )
        .unwrap();
        let DocumentOperations::Single(operation) = &document.operations else {
            panic!("one operation");
        };
        let set = &operation.node.selection_set.node;
        assert_eq!(root_fields(&document, set, &mut Vec::new()), 6);
        let many = (0..=MAX_ROOT_FIELDS)
            .map(|n| format!("r{n}: a"))
            .collect::<Vec<_>>()
            .join(" ");
        let refused = checked(&format!("{{ {many} }}"), json!({})).unwrap_err();
        assert!(
            refused.message.contains("201 root fields"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn control_characters_are_refused_in_variables_and_literals_wherever_they_nest() {
        assert!(checked("{ a(s: \"tab\\tand\\nline\") }", json!({})).is_ok());
        let literal = checked("{ a(s: \"nul\\u0000\") }", json!({})).unwrap_err();
        assert_eq!(
            literal.message,
            "a(s:) must not contain control characters (found U+0000)"
        );
        let nested = checked(
            "query($input: I) { a(input: $input) }",
            json!({ "input": { "settings": { "notes": ["ok", "bell\u{7}"] } } }),
        )
        .unwrap_err();
        assert!(
            nested
                .message
                .starts_with("$input.settings.notes[1] must not contain"),
            "{}",
            nested.message
        );
        let code = nested.extensions.as_ref().unwrap().get("code").cloned();
        assert_eq!(code, Some(Value::from("BAD_USER_INPUT")));
    }

    #[test]
    fn lists_beyond_the_bound_are_refused_naming_the_field() {
        assert!(checked("{ a(ids: [1, 2, 3]) }", json!({})).is_ok());
        let literal = checked("{ a(ids: [1, 2, 3, 4]) }", json!({})).unwrap_err();
        assert_eq!(
            literal.message,
            "a(ids:) holds 4 items; at most 3 are accepted"
        );
        let variable = checked(
            "query($ids: [ID!]) { a(ids: $ids) }",
            json!({ "ids": [1, 2, 3, 4] }),
        )
        .unwrap_err();
        assert!(
            variable.message.starts_with("$ids holds 4 items"),
            "{}",
            variable.message
        );
    }

    #[test]
    fn a_document_selects_a_bounded_number_of_fields() {
        let aliases = |n: usize| {
            let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
            format!("{{ viewer {{ {} }} }}", fields.join(" "))
        };
        // `viewer` is one of the fields.
        assert!(checked(&aliases(MAX_SELECTED_FIELDS - 1), json!({})).is_ok());
        let refused = checked(&aliases(MAX_SELECTED_FIELDS), json!({})).unwrap_err();
        assert!(
            refused.message.contains("more than 2000 fields"),
            "{}",
            refused.message
        );
    }
}
