//! The committed `schema.graphql` is the schema the code builds.

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
