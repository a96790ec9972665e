//! The committed `schema.graphql` is the schema the code builds, and it describes itself: every
//! type, field, argument, input field and enum value says what it is.

use async_graphql::Positioned;
use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{InputValueDefinition, TypeKind, TypeSystemDefinition};

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql exists at the repository root");
    let generated = orgraph::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is out of date with the code; regenerate it with\n\n    cargo run -- schema > schema.graphql\n"
    );
}

/// Whether a description is there and says something.
fn described(description: Option<&Positioned<String>>) -> bool {
    description.is_some_and(|text| !text.node.trim().is_empty())
}

/// Every place in `sdl` that has no description, as `Type`, `Type.field`, `Type.field(arg)`,
/// `Input.field` or `Enum.VALUE`. The spec's directives (`@skip`, `@include`, `@specifiedBy`)
/// are the spec's to describe and are left out; so are the built-in scalars, which the SDL
/// does not print.
fn undescribed(sdl: &str) -> Vec<String> {
    let document = parse_schema(sdl).expect("the SDL parses");
    let mut missing = Vec::new();
    let inputs = |owner: String, values: &[Positioned<InputValueDefinition>]| {
        let names = values
            .iter()
            .filter(|value| !described(value.node.description.as_ref()));
        names
            .map(|value| format!("{owner}{}", value.node.name.node))
            .collect::<Vec<_>>()
    };
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let definition = &definition.node;
        let name = definition.name.node.as_str();
        if !described(definition.description.as_ref()) {
            missing.push(name.to_owned());
        }
        let fields = match &definition.kind {
            TypeKind::Object(object) => &object.fields,
            TypeKind::Interface(interface) => &interface.fields,
            TypeKind::InputObject(input) => {
                missing.extend(inputs(format!("{name}."), &input.fields));
                continue;
            }
            TypeKind::Enum(enumeration) => {
                let values = enumeration.values.iter();
                let values = values.filter(|value| !described(value.node.description.as_ref()));
                missing.extend(values.map(|value| format!("{name}.{}", value.node.value.node)));
                continue;
            }
            TypeKind::Scalar | TypeKind::Union(_) => continue,
        };
        for field in fields {
            let field = &field.node;
            let path = format!("{name}.{}", field.name.node);
            if !described(field.description.as_ref()) {
                missing.push(path.clone());
            }
            let arguments = inputs(format!("{path}("), &field.arguments);
            missing.extend(arguments.into_iter().map(|argument| argument + ")"));
        }
    }
    missing
}

#[test]
fn every_type_field_argument_and_enum_value_is_described() {
    let missing = undescribed(&orgraph::graphql::sdl());
    assert!(
        missing.is_empty(),
        "{} places in the schema have no description; give each a `///` doc (a \
         `#[graphql(desc = \"…\")]` on an argument):\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

#[test]
fn the_lint_names_what_is_undescribed() {
    let sdl = r#"
"""A described type."""
type Query {
  "A described field."
  ok("A described argument." a: Int): Int
  bare(b: Int): Int
}
type Plain { x: Int }
input Filter { y: Int }
"""Described."""
enum Kind { "Described." A B }
"""Described."""
scalar DateTime
"#;
    let missing = undescribed(sdl);
    let expected = [
        "Query.bare",
        "Query.bare(b)",
        "Plain",
        "Plain.x",
        "Filter",
        "Filter.y",
        "Kind.B",
    ];
    assert_eq!(missing, expected);
}

#[test]
fn date_times_name_their_specification() {
    let sdl = orgraph::graphql::sdl();
    let rfc3339 =
        r#"scalar DateTime @specifiedBy(url: "https://datatracker.ietf.org/doc/html/rfc3339")"#;
    assert!(sdl.contains(rfc3339), "DateTime names RFC 3339 in the SDL");
}
