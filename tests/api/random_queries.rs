//! Random valid operations, generated from the schema the server describes by introspection
//! and asked as every kind of viewer. Whatever is asked, the answer is a well-formed GraphQL
//! response with no internal error and no refusal of the document itself (that would be a
//! generator bug), bar a refusal for cost. To a member of beta (in any role) or the outsider,
//! asking with arguments that name alpha's objects, the answer names nothing of alpha and is
//! the answer to the same request naming objects never issued; their mutations leave alpha as
//! it was.
//!
//! A failing case is shrunk by proptest and printed as the viewer, the query's text and its
//! variables, so it can be replayed by hand; `PROPTEST_CASES` runs more cases than the default,
//! `PROPTEST_RNG_SEED` replays a run.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orgraph::error::code;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use tokio::runtime::Handle;
use uuid::Uuid;

use crate::tenancy::{alpha_keys, assert_no_trace, global_ids, strangers, texts};
use crate::world::{Person, World, bearer, global_id, id_variables};

/// The schema as introspection gives it: every type's fields, arguments, input fields,
/// interfaces, possible types and enum values, with types to any depth of list and non-null.
const INTROSPECTION: &str = r#"
query Introspection {
  __schema {
    queryType { name }
    mutationType { name }
    types {
      name kind
      fields { name args { ...Input } type { ...Ref } }
      inputFields { ...Input }
      interfaces { name }
      possibleTypes { name }
      enumValues { name }
    }
  }
}
fragment Input on __InputValue { name defaultValue type { ...Ref } }
fragment Ref on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
}"#;

/// The deepest nesting of fields a generated query reaches: enough for
/// `organization { assessments { edges { node { score { maturityLevel { … } } } } } }`.
const MAX_DEPTH: usize = 7;

/// The most selections in one selection set at each depth: wide near the root, narrow deeper
/// down, so a query stays around a few dozen fields.
const WIDTH: [usize; MAX_DEPTH] = [3, 4, 3, 3, 2, 2, 2];

/// The codes a mutation may also fail with: a slug or an invitation already taken, too many
/// invitations sent.
const MUTATION_CODES: [&str; 6] = [
    code::FORBIDDEN,
    code::NOT_FOUND,
    code::BAD_USER_INPUT,
    code::QUERY_TOO_COMPLEX,
    code::CONFLICT,
    code::RATE_LIMITED,
];

/// How often an optional argument or input field is given: seldom enough that most
/// connections are not asked for both `first` and `last`, which is refused.
const OPTIONAL_ARGUMENT: f64 = 0.3;

/// The codes a field may fail with whatever it is asked: a refusal, a missing object, a bad
/// argument (e.g. `first: -1`), a list too costly.
const FIELD_CODES: [&str; 4] = [
    code::FORBIDDEN,
    code::NOT_FOUND,
    code::BAD_USER_INPUT,
    code::QUERY_TOO_COMPLEX,
];

/// A type reference: a named type, or a list or non-null of one.
#[derive(Debug, Clone)]
enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    fn from_introspection(value: &Value) -> Self {
        let of_type = || Box::new(Self::from_introspection(&value["ofType"]));
        match value["kind"].as_str() {
            Some("NON_NULL") => Self::NonNull(of_type()),
            Some("LIST") => Self::List(of_type()),
            _ => Self::Named(name_of(value)),
        }
    }

    /// The named type under the lists and non-nulls.
    fn named(&self) -> &str {
        match self {
            Self::Named(name) => name,
            Self::List(inner) | Self::NonNull(inner) => inner.named(),
        }
    }
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Named(name) => write!(f, "{name}"),
            Self::List(inner) => write!(f, "[{inner}]"),
            Self::NonNull(inner) => write!(f, "{inner}!"),
        }
    }
}

/// An argument or an input object's field.
#[derive(Debug)]
struct InputDef {
    name: String,
    ty: TypeRef,
    has_default: bool,
}

impl InputDef {
    fn from_introspection(value: &Value) -> Self {
        Self {
            name: name_of(value),
            ty: TypeRef::from_introspection(&value["type"]),
            has_default: !value["defaultValue"].is_null(),
        }
    }

    /// Whether a valid query must give it.
    fn required(&self) -> bool {
        matches!(self.ty, TypeRef::NonNull(_)) && !self.has_default
    }
}

#[derive(Debug)]
struct FieldDef {
    name: String,
    args: Vec<InputDef>,
    ty: TypeRef,
}

#[derive(Debug)]
struct TypeDef {
    kind: String,
    fields: Vec<FieldDef>,
    input_fields: Vec<InputDef>,
    interfaces: Vec<String>,
    possible_types: Vec<String>,
    enum_values: Vec<String>,
}

/// The schema, as introspection described it.
struct Schema {
    query_type: String,
    mutation_type: String,
    types: HashMap<String, TypeDef>,
}

fn name_of(value: &Value) -> String {
    value["name"].as_str().expect("a name").to_owned()
}

/// The items of the list at `value[key]`; none when it is `null`.
fn items<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value[key].as_array().map_or(&[], Vec::as_slice)
}

/// The names of the objects in the list at `value[key]`.
fn names(value: &Value, key: &str) -> Vec<String> {
    items(value, key).iter().map(name_of).collect()
}

impl Schema {
    fn from_introspection(response: &Value) -> Self {
        let schema = &response["data"]["__schema"];
        let types = schema["types"].as_array().expect("the schema's types");
        let types = types.iter().map(|ty| {
            let fields = items(ty, "fields").iter().map(|field| FieldDef {
                name: name_of(field),
                args: items(field, "args")
                    .iter()
                    .map(InputDef::from_introspection)
                    .collect(),
                ty: TypeRef::from_introspection(&field["type"]),
            });
            let fields = fields.collect();
            let input_fields = items(ty, "inputFields");
            let definition = TypeDef {
                kind: ty["kind"].as_str().expect("a kind").to_owned(),
                fields,
                input_fields: input_fields
                    .iter()
                    .map(InputDef::from_introspection)
                    .collect(),
                interfaces: names(ty, "interfaces"),
                possible_types: names(ty, "possibleTypes"),
                enum_values: names(ty, "enumValues"),
            };
            (name_of(ty), definition)
        });
        Self {
            query_type: name_of(&schema["queryType"]),
            mutation_type: name_of(&schema["mutationType"]),
            types: types.collect(),
        }
    }

    fn get(&self, name: &str) -> &TypeDef {
        &self.types[name]
    }

    /// Whether a field of this type is selected without a selection set.
    fn is_leaf(&self, name: &str) -> bool {
        matches!(self.get(name).kind.as_str(), "SCALAR" | "ENUM")
    }
}

/// A value given to an argument or an input field.
#[derive(Debug, Clone)]
enum InputValue {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Boolean(bool),
    Enum(String),
    List(Vec<InputValue>),
    Object(Vec<(String, InputValue)>),
}

impl InputValue {
    /// As a GraphQL literal.
    fn literal(&self) -> String {
        match self {
            Self::Null => "null".to_owned(),
            Self::Int(number) => number.to_string(),
            Self::Float(number) => json!(number).to_string(),
            // GraphQL's string escapes are JSON's.
            Self::Text(text) => json!(text).to_string(),
            Self::Boolean(value) => value.to_string(),
            Self::Enum(name) => name.clone(),
            Self::List(items) => {
                let items: Vec<String> = items.iter().map(Self::literal).collect();
                format!("[{}]", items.join(", "))
            }
            Self::Object(fields) => {
                let fields = fields.iter().map(|(name, value)| {
                    let value = value.literal();
                    format!("{name}: {value}")
                });
                format!("{{{}}}", fields.collect::<Vec<_>>().join(", "))
            }
        }
    }

    /// As the JSON of a variable.
    fn json(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Int(number) => json!(number),
            Self::Float(number) => json!(number),
            Self::Text(text) | Self::Enum(text) => json!(text),
            Self::Boolean(value) => json!(value),
            Self::List(items) => Value::Array(items.iter().map(Self::json).collect()),
            Self::Object(fields) => {
                let fields = fields
                    .iter()
                    .map(|(name, value)| (name.clone(), value.json()));
                Value::Object(fields.collect())
            }
        }
    }
}

/// A value for a place of type `ty`, written in the query or passed as a variable.
#[derive(Debug, Clone)]
struct Argument {
    ty: TypeRef,
    value: InputValue,
    as_variable: bool,
}

/// `@skip(if: …)` or `@include(if: …)`.
#[derive(Debug, Clone)]
struct Directive {
    skip: bool,
    condition: Argument,
}

#[derive(Debug, Clone)]
enum Selection {
    Typename,
    Field {
        name: String,
        arguments: Vec<(String, Argument)>,
        directive: Option<Directive>,
        selections: Vec<Selection>,
    },
    Fragment {
        on: String,
        selections: Vec<Selection>,
    },
}

/// A query and its variables, shown as a client would send them.
#[derive(Clone)]
struct Generated {
    operation: Operation,
    query: String,
    variables: Value,
}

/// The kind of operation generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Query,
    Mutation,
}

impl Operation {
    /// The codes a field of this operation may fail with.
    fn field_codes(self) -> &'static [&'static str] {
        match self {
            Self::Query => &FIELD_CODES,
            Self::Mutation => &MUTATION_CODES,
        }
    }
}

impl Generated {
    fn new(operation: Operation, root: Vec<Selection>) -> Self {
        let mut writer = Writer::default();
        let mut body = String::new();
        writer.selections(&root, &mut Vec::new(), &mut body);
        let keyword = match operation {
            Operation::Query => "query",
            Operation::Mutation => "mutation",
        };
        let query = if writer.definitions.is_empty() {
            format!("{keyword} Random {body}")
        } else {
            format!("{keyword} Random({}) {body}", writer.definitions.join(", "))
        };
        let variables = Value::Object(writer.variables);
        Self {
            operation,
            query,
            variables,
        }
    }
}

impl fmt::Debug for Generated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{}\nvariables: {}\n", self.query, self.variables)
    }
}

/// Writes a query's text: every response name unique in its selection set (inline fragments
/// share their parent's), so no two fields can conflict whatever their arguments and types.
#[derive(Default)]
struct Writer {
    definitions: Vec<String>,
    variables: Map<String, Value>,
    aliases: usize,
}

impl Writer {
    fn argument(&mut self, argument: &Argument) -> String {
        if !argument.as_variable {
            return argument.value.literal();
        }
        let name = format!("v{}", self.variables.len());
        self.definitions.push(format!("${name}: {}", argument.ty));
        self.variables.insert(name.clone(), argument.value.json());
        format!("${name}")
    }

    fn selections(&mut self, selections: &[Selection], taken: &mut Vec<String>, out: &mut String) {
        out.push('{');
        self.inline(selections, taken, out);
        out.push_str(" }");
    }

    /// Writes `selections` into a selection set whose response names `taken` already holds.
    fn inline(&mut self, selections: &[Selection], taken: &mut Vec<String>, out: &mut String) {
        for selection in selections {
            match selection {
                Selection::Typename => {
                    out.push(' ');
                    out.push_str(&self.response_name("__typename", taken));
                    out.push_str("__typename");
                }
                Selection::Field {
                    name,
                    arguments,
                    directive,
                    selections,
                } => {
                    out.push(' ');
                    out.push_str(&self.response_name(name, taken));
                    out.push_str(name);
                    if !arguments.is_empty() {
                        let arguments: Vec<String> = arguments
                            .iter()
                            .map(|(name, value)| format!("{name}: {}", self.argument(value)))
                            .collect();
                        out.push_str(&format!("({})", arguments.join(", ")));
                    }
                    if let Some(Directive { skip, condition }) = directive {
                        let name = if *skip { "skip" } else { "include" };
                        out.push_str(&format!(" @{name}(if: {})", self.argument(condition)));
                    }
                    if !selections.is_empty() {
                        out.push(' ');
                        self.selections(selections, &mut Vec::new(), out);
                    }
                }
                Selection::Fragment { on, selections } => {
                    out.push_str(&format!(" ... on {on} {{"));
                    self.inline(selections, taken, out);
                    out.push_str(" }");
                }
            }
        }
    }

    /// `alias: ` when `name` already answers in this selection set, else nothing.
    fn response_name(&mut self, name: &str, taken: &mut Vec<String>) -> String {
        if !taken.iter().any(|taken| taken == name) {
            taken.push(name.to_owned());
            return String::new();
        }
        self.aliases += 1;
        let alias = format!("{}_{}", name.trim_start_matches('_'), self.aliases);
        taken.push(alias.clone());
        format!("{alias}: ")
    }
}

/// `input`'s name and a value from `values`: always when it is required, else sometimes.
fn given<T: fmt::Debug + Clone + 'static>(
    input: &InputDef,
    values: BoxedStrategy<T>,
) -> BoxedStrategy<Option<(String, T)>> {
    let name = input.name.clone();
    let named = values.prop_map(move |value| (name.clone(), value));
    if input.required() {
        named.prop_map(Some).boxed()
    } else {
        option::weighted(OPTIONAL_ARGUMENT, named).boxed()
    }
}

/// The values arguments are drawn from: real IDs and cursors of both tenants, and junk.
struct Pools {
    ids: Vec<String>,
    strings: Vec<String>,
}

/// Dates for `DateTime` arguments, edges of the calendar included.
const DATES: [&str; 6] = [
    "2000-01-01T00:00:00Z",
    "2026-06-01T12:00:00+05:30",
    "2030-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
];

/// Builds strategies for queries of one schema. Selection sets are built once per type, depth
/// and place, and shared.
struct Generator {
    schema: Schema,
    pools: Pools,
    selection_sets: RefCell<HashMap<SelectionSetKey, BoxedStrategy<Vec<Selection>>>>,
}

/// A selection set's type, depth, and whether it may hold inline fragments.
type SelectionSetKey = (String, usize, bool);

impl Generator {
    /// Random operations of one kind, from the schema's root type for it.
    fn operations(&self, operation: Operation) -> BoxedStrategy<Generated> {
        let root = match operation {
            Operation::Query => &self.schema.query_type,
            Operation::Mutation => &self.schema.mutation_type,
        };
        let root = self.selection_set(root, 0, true);
        let generated = move |root| Generated::new(operation, root);
        root.prop_map(generated).boxed()
    }

    /// A selection set on `type_name` at `depth`, with inline fragments when `fragments`.
    fn selection_set(
        &self,
        type_name: &str,
        depth: usize,
        fragments: bool,
    ) -> BoxedStrategy<Vec<Selection>> {
        let key = (type_name.to_owned(), depth, fragments);
        if let Some(known) = self.selection_sets.borrow().get(&key) {
            return known.clone();
        }
        let ty = self.schema.get(type_name);
        let mut choices = vec![Just(Selection::Typename).boxed()];
        for field in &ty.fields {
            let leaf = self.schema.is_leaf(field.ty.named());
            if leaf || depth + 1 < MAX_DEPTH {
                choices.push(self.field(field, depth, leaf));
            }
        }
        if fragments {
            // On an object, its interfaces; on an interface or a union, its possible types.
            let conditions = ty.interfaces.iter().chain(&ty.possible_types);
            for on in conditions {
                let on = on.clone();
                let selections = self.selection_set(&on, depth, false);
                let fragment = selections.prop_map(move |selections| Selection::Fragment {
                    on: on.clone(),
                    selections,
                });
                choices.push(fragment.boxed());
            }
        }
        let strategy = vec(Union::new(choices), 1..=WIDTH[depth]).boxed();
        self.selection_sets
            .borrow_mut()
            .insert(key, strategy.clone());
        strategy
    }

    fn field(&self, field: &FieldDef, depth: usize, leaf: bool) -> BoxedStrategy<Selection> {
        let arguments: Vec<_> = field
            .args
            .iter()
            .map(|input| given(input, self.argument(&input.ty)))
            .collect();
        let selections = if leaf {
            Just(Vec::new()).boxed()
        } else {
            self.selection_set(field.ty.named(), depth + 1, true)
        };
        let condition = TypeRef::NonNull(Box::new(TypeRef::Named("Boolean".to_owned())));
        let directive = (any::<bool>(), self.argument(&condition))
            .prop_map(|(skip, condition)| Directive { skip, condition });
        let name = field.name.clone();
        (arguments, option::weighted(0.1, directive), selections)
            .prop_map(move |(arguments, directive, selections)| Selection::Field {
                name: name.clone(),
                arguments: arguments.into_iter().flatten().collect(),
                directive,
                selections,
            })
            .boxed()
    }

    fn argument(&self, ty: &TypeRef) -> BoxedStrategy<Argument> {
        let ty = ty.clone();
        (self.value(&ty, 0), any::<bool>())
            .prop_map(move |(value, as_variable)| Argument {
                ty: ty.clone(),
                value,
                as_variable,
            })
            .boxed()
    }

    /// A value of type `ty`, `depth` input objects deep.
    fn value(&self, ty: &TypeRef, depth: usize) -> BoxedStrategy<InputValue> {
        match ty {
            TypeRef::NonNull(inner) => self.non_null_value(inner, depth),
            nullable => prop_oneof![
                1 => Just(InputValue::Null),
                5 => self.non_null_value(nullable, depth),
            ]
            .boxed(),
        }
    }

    fn non_null_value(&self, ty: &TypeRef, depth: usize) -> BoxedStrategy<InputValue> {
        let name = match ty {
            TypeRef::NonNull(inner) => return self.non_null_value(inner, depth),
            TypeRef::List(inner) => {
                let items = vec(self.value(inner, depth), 0..=3);
                return items.prop_map(InputValue::List).boxed();
            }
            TypeRef::Named(name) => name,
        };
        let definition = self.schema.get(name);
        match definition.kind.as_str() {
            "ENUM" => select(definition.enum_values.clone())
                .prop_map(InputValue::Enum)
                .boxed(),
            "INPUT_OBJECT" => {
                assert!(depth < 4, "{name} nests input objects too deep to generate");
                let fields: Vec<_> = definition
                    .input_fields
                    .iter()
                    .map(|input| given(input, self.value(&input.ty, depth + 1)))
                    .collect();
                let object = |fields: Vec<Option<(String, InputValue)>>| {
                    InputValue::Object(fields.into_iter().flatten().collect())
                };
                fields.prop_map(object).boxed()
            }
            _ => self.scalar(name),
        }
    }

    fn scalar(&self, name: &str) -> BoxedStrategy<InputValue> {
        match name {
            "ID" => select(self.pools.ids.clone())
                .prop_map(InputValue::Text)
                .boxed(),
            "String" => prop_oneof![
                3 => select(self.pools.strings.clone()),
                1 => "\\PC{0,12}",
            ]
            .prop_map(InputValue::Text)
            .boxed(),
            "Int" => prop_oneof![
                6 => 0..=5_i64,
                1 => -3..0_i64,
                1 => select(vec![9, 10, 12, 100, 101, 10_000, i32::MAX.into(), i32::MIN.into()]),
            ]
            .prop_map(InputValue::Int)
            .boxed(),
            "Float" => prop_oneof![-1.0..6.0_f64, select(vec![0.0, 5.0, 1e300])]
                .prop_map(InputValue::Float)
                .boxed(),
            "Boolean" => any::<bool>().prop_map(InputValue::Boolean).boxed(),
            "DateTime" => select(DATES.map(str::to_owned).to_vec())
                .prop_map(InputValue::Text)
                .boxed(),
            "JSON" => prop_oneof![
                Just(InputValue::Object(Vec::new())),
                (0..=5_i64).prop_map(InputValue::Int),
                select(self.pools.strings.clone()).prop_map(InputValue::Text),
            ]
            .boxed(),
            other => panic!("the generator knows no values of the scalar {other}: add some"),
        }
    }
}

impl Generator {
    /// A generator for the schema `world`'s server describes, drawing on both tenants' IDs
    /// and cursors as their owners read them.
    async fn new(world: &World) -> Self {
        let owner = world.alpha.person("owner");
        let introspection = world.query(Some(owner), INTROSPECTION, json!({})).await;
        assert!(introspection.get("errors").is_none(), "{introspection}");
        let schema = Schema::from_introspection(&introspection);
        Self {
            schema,
            pools: Pools::new(world).await,
            selection_sets: Default::default(),
        }
    }
}

/// Every ID and cursor an organisation's owner reads of it, and the reference data.
const HARVEST: &str = r#"{
  organizations(first: 5) { edges { cursor node { id
    members(first: 10) { edges { cursor node { id user { id } } } }
    assessments(first: 10) { edges { cursor node { id score { id maturityLevel { id } } } } }
    digitalTwin { id snapshots(first: 10) { edges { cursor node { id } } } }
    auditLog(first: 10) { edges { cursor node { id } } }
    invitations(first: 10) { edges { cursor node { id } } }
  } } }
  viewer { id consents(first: 10) { edges { cursor node { id consentType { id } } } } }
  maturityLevels { id criteria { id } }
}"#;

/// The values of `response` under the keys `id`, `cursor`, `startCursor` or `endCursor`.
fn harvest(response: &Value, ids: &mut Vec<String>, cursors: &mut Vec<String>) {
    match response {
        Value::Object(fields) => {
            for (key, value) in fields {
                match (key.as_str(), value) {
                    ("id", Value::String(id)) => ids.push(id.clone()),
                    ("cursor" | "startCursor" | "endCursor", Value::String(cursor)) => {
                        cursors.push(cursor.clone());
                    }
                    _ => harvest(value, ids, cursors),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| harvest(item, ids, cursors)),
        _ => {}
    }
}

impl Pools {
    async fn new(world: &World) -> Self {
        let alpha = &world.alpha;
        let mut ids = [global_ids(alpha), global_ids(&world.beta)].concat();
        let mut cursors = Vec::new();
        for org in [alpha, &world.beta] {
            let owner = Some(org.person("owner"));
            let read = world.query(owner, HARVEST, json!({})).await;
            assert!(read.get("errors").is_none(), "{read}");
            harvest(&read, &mut ids, &mut cursors);
        }
        assert!(!cursors.is_empty(), "the owners read cursors");
        // IDs that name nothing, or alpha's keys under the wrong kind or unencoded.
        ids.extend([
            String::new(),
            "x".to_owned(),
            alpha.id.to_string(),
            global_id("Organization", "not-a-uuid"),
            global_id("Assessment", alpha.id),
            global_id("Membership", alpha.person("member").id),
            global_id("NoSuchKind", alpha.id),
            global_id("User", Uuid::now_v7()),
            global_id("AuditEntry", "0".repeat(64)),
        ]);
        ids.sort();
        ids.dedup();
        let mut strings: Vec<String> = [
            "",
            "alpha",
            "beta",
            "Org alpha",
            "owner@alpha.example",
            "invitee@beta.example",
            "retail",
            "Zürich 東京 🦀",
            "'; DROP TABLE users; --",
            "%",
            "_",
            "\"\\",
        ]
        .map(str::to_owned)
        .to_vec();
        strings.push("x".repeat(300));
        strings.extend(cursors);
        strings.extend(ids.iter().take(4).cloned());
        Self { ids, strings }
    }
}

/// Asks `generated` as `viewer`, and checks the answer is a well-formed GraphQL response
/// without internal errors or refusals of the query itself (which would mean the generator
/// wrote an invalid one), bar a refusal for cost.
async fn ask(
    world: &World,
    viewer: &Person,
    generated: &Generated,
) -> Result<Value, TestCaseError> {
    let authorization = bearer(viewer);
    let variables = generated.variables.clone();
    let response = world
        .app
        .post_graphql(&generated.query, variables, Some(&authorization))
        .await;
    let status = response.status();
    prop_assert!(!status.is_server_error(), "HTTP {}", status);
    let body: Value = response
        .json()
        .await
        .map_err(|error| TestCaseError::fail(format!("not JSON: {error}")))?;
    let keys = body
        .as_object()
        .map(|object| object.keys().cloned().collect::<Vec<_>>());
    let keys = keys.unwrap_or_default();
    let known = ["data", "errors", "extensions"];
    prop_assert!(
        keys.iter().all(|key| known.contains(&key.as_str())),
        "{}",
        body
    );
    prop_assert!(keys.iter().any(|key| key != "extensions"), "{}", body);
    for error in body["errors"].as_array().into_iter().flatten() {
        let code = error["extensions"]["code"].as_str().unwrap_or_default();
        prop_assert!(error["message"].is_string(), "{}", body);
        if error.get("path").is_some() {
            prop_assert!(
                generated.operation.field_codes().contains(&code),
                "a field failed with {}: {}",
                code,
                body
            );
        } else {
            prop_assert_eq!(
                code,
                code::QUERY_TOO_COMPLEX,
                "the query was refused: {}",
                body
            );
        }
    }
    Ok(body)
}

/// Asserts that nothing in `response` names alpha: no key in any text, ID or cursor, and none
/// of the values only alpha has (its slug, its name, its people's addresses, its audit hash).
fn assert_nothing_of_alpha(world: &World, response: &Value) {
    assert_no_trace(response, &alpha_keys(world));
    let mut all = Vec::new();
    texts(response, &mut all);
    let audit_entry = world.alpha.audit_entry.as_str();
    let of_alpha = |text: &&String| {
        let named = ["Org alpha", "@alpha.example", audit_entry];
        *text == "alpha" || named.iter().any(|value| text.contains(value))
    };
    let trace = all.iter().find(of_alpha);
    assert!(trace.is_none(), "{trace:?} is alpha's, in {response}");
}

/// What a request naming alpha's objects becomes when it names objects never issued instead:
/// each of alpha's keys and each value only alpha has swapped for one of nothing, of the same
/// length (error locations stay put), in the request's text and variables as sent, plain and
/// inside global IDs and cursors. (Inside a cursor only the key: its sort value is the
/// client's to choose, and tells a page where to start whether any row has it or not.)
struct Disguise {
    keys: Vec<(String, String)>,
    values: Vec<(String, String)>,
}

impl Disguise {
    fn new(world: &World) -> Self {
        let keys = alpha_keys(world).into_iter();
        let mut keys: Vec<(String, String)> = keys
            .map(|key| (key.to_string(), Uuid::now_v7().to_string()))
            .collect();
        keys.push((world.alpha.audit_entry.clone(), "f".repeat(64)));
        // Alpha's slug only as a whole string (in JSON or a GraphQL literal, quoted).
        let values = [
            ("\"alpha\"", "\"gamma\""),
            ("Org alpha", "Org gamma"),
            ("@alpha.example", "@gamma.example"),
        ];
        let values = values.map(|(from, to)| (from.to_owned(), to.to_owned()));
        Self {
            keys,
            values: values.to_vec(),
        }
    }

    fn swap<'a>(text: &str, swaps: impl IntoIterator<Item = &'a (String, String)>) -> String {
        let swap = |text: String, (from, to): &(String, String)| text.replace(from, to);
        swaps.into_iter().fold(text.to_owned(), swap)
    }

    /// `text` (a query, or JSON) with alpha's names swapped, plain and in every global ID or
    /// cursor in it, alone or quoted in a message.
    fn text(&self, text: &str) -> String {
        let swapped = Self::swap(text, self.keys.iter().chain(&self.values));
        let in_token = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        let (mut out, mut token) = (String::new(), String::new());
        for c in swapped.chars() {
            if in_token(c) {
                token.push(c);
            } else {
                out.push_str(&self.encoded(&std::mem::take(&mut token)));
                out.push(c);
            }
        }
        out.push_str(&self.encoded(&token));
        out
    }

    /// `token` with alpha's keys swapped in the text it encodes, if it encodes any.
    fn encoded(&self, token: &str) -> String {
        let decoded = URL_SAFE_NO_PAD.decode(token).ok();
        let decoded = decoded.and_then(|bytes| String::from_utf8(bytes).ok());
        match decoded.map(|decoded| (Self::swap(&decoded, &self.keys), decoded)) {
            Some((swapped, decoded)) if swapped != decoded => URL_SAFE_NO_PAD.encode(swapped),
            _ => token.to_owned(),
        }
    }

    fn json(&self, value: &Value) -> Value {
        let swapped = self.text(&value.to_string());
        serde_json::from_str(&swapped).expect("swaps keep JSON valid")
    }

    /// `generated` naming nothing of alpha, if it names anything of alpha.
    fn request(&self, generated: &Generated) -> Option<Generated> {
        let query = self.text(&generated.query);
        let variables = self.json(&generated.variables);
        let same = (&query, &variables) == (&generated.query, &generated.variables);
        let operation = generated.operation;
        (!same).then_some(Generated {
            operation,
            query,
            variables,
        })
    }
}

/// Asks `generated` as `viewer`, a stranger to alpha, and asserts the answer names nothing of
/// alpha, and is the answer to the same request naming objects never issued instead (with
/// the names swapped back), so even an echo of the request tells them apart.
async fn ask_as_stranger(
    world: &World,
    disguise: &Disguise,
    viewer: &Person,
    generated: &Generated,
) -> Result<Value, TestCaseError> {
    let response = ask(world, viewer, generated).await?;
    let Some(never_issued) = disguise.request(generated) else {
        assert_nothing_of_alpha(world, &response);
        return Ok(response);
    };
    let unknown = ask(world, viewer, &never_issued).await?;
    assert_nothing_of_alpha(world, &unknown);
    prop_assert_eq!(
        errors_in_order(disguise.json(&response)),
        errors_in_order(unknown),
        "the answer differs from the answer to {:?}",
        never_issued
    );
    Ok(response)
}

/// `response` with its errors in a fixed order: fields resolve concurrently, and report their
/// errors in the order they finish.
fn errors_in_order(mut response: Value) -> Value {
    if let Some(errors) = response["errors"].as_array_mut() {
        errors.sort_by_cached_key(Value::to_string);
    }
    response
}

/// How the generated operations fared.
#[derive(Default)]
struct Tally<Count> {
    asked: Count,
    answered_in_full: Count,
}

impl Tally<usize> {
    /// Refusals (`first` with `last`, a junk cursor) null whole queries; were they most of
    /// them, the property would be checking error messages and little else.
    fn assert_mostly_answered(&self) {
        let (asked, in_full) = (self.asked, self.answered_in_full);
        assert!(
            in_full * 3 >= asked,
            "only {in_full} of {asked} answered in full"
        );
    }
}

/// Runs generated queries (`default_cases`, or `PROPTEST_CASES`), each asked as one of
/// `viewers` by `ask`.
fn run(
    operation: Operation,
    viewers: Vec<Person>,
    default_cases: u32,
    generator: &Generator,
    ask: impl AsyncFn(&Person, &Generated) -> Result<Value, TestCaseError>,
) -> Tally<usize> {
    let cases = std::env::var("PROPTEST_CASES").ok();
    let config = Config {
        cases: cases
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(default_cases),
        failure_persistence: None,
        // Each step is a request: enough to shrink a query to its core, in seconds.
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = (select(viewers), generator.operations(operation));
    let (tally, runtime) = (Tally::<AtomicUsize>::default(), Handle::current());
    let outcome = runner.run(&strategy, |(viewer, generated)| {
        // The runner is synchronous; the server runs on the test's other worker threads.
        let asked = tokio::task::block_in_place(|| runtime.block_on(ask(&viewer, &generated)));
        let response = asked?;
        tally.asked.fetch_add(1, Ordering::Relaxed);
        if response.get("errors").is_none() {
            tally.answered_in_full.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    Tally {
        asked: tally.asked.into_inner(),
        answered_in_full: tally.answered_in_full.into_inner(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_queries_show_strangers_nothing_of_another_org() {
    let world = World::new().await;
    let (generator, disguise) = (Generator::new(&world).await, Disguise::new(&world));
    let viewers = strangers(&world).into_iter().cloned().collect();
    run(
        Operation::Query,
        viewers,
        300,
        &generator,
        async |viewer, generated| ask_as_stranger(&world, &disguise, viewer, generated).await,
    )
    .assert_mostly_answered();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_queries_of_an_orgs_owner_and_a_platform_admin_never_fail_internally() {
    let world = World::new().await;
    let generator = Generator::new(&world).await;
    let viewers = vec![
        world.alpha.person("owner").clone(),
        world.platform_admin.clone(),
    ];
    run(
        Operation::Query,
        viewers,
        100,
        &generator,
        async |viewer, generated| ask(&world, viewer, generated).await,
    )
    .assert_mostly_answered();
}

/// Everything of alpha a stranger's mutation could change, as alpha's owner reads it.
const ALPHA_STATE: &str = r#"
query AlphaState($id: ID!) {
  organization(id: $id) {
    name slug industry companySize settings status updatedAt
    members(first: 20) { totalCount edges { node { id role status department
      user { id name email phone title timezone } } } }
    assessments(first: 20) { totalCount edges { node { id status responses updatedAt
      score { id overallScore } } } }
    digitalTwin { id computedAt maturityScore snapshots(first: 20) { totalCount } }
    invitations(first: 20) { totalCount edges { node { id status expiresAt } } }
    auditLog(first: 1) { totalCount }
  }
  viewer { consents(first: 20) { totalCount edges { node { id granted } } } }
}"#;

/// Random mutations by strangers to alpha, naming alpha's objects: each is answered without
/// an internal error, its data names nothing of alpha, and alpha is as it was. (Their errors
/// may quote the IDs they were sent; the differential check of queries covers echoes.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_mutations_by_strangers_change_nothing_of_another_org() {
    let world = World::new().await;
    let generator = Generator::new(&world).await;
    let owner = world.alpha.person("owner");
    let alpha = id_variables(&global_id("Organization", world.alpha.id));
    let before = world.query(Some(owner), ALPHA_STATE, alpha.clone()).await;
    assert!(before.get("errors").is_none(), "{before}");
    let viewers = strangers(&world).into_iter().cloned().collect();
    run(
        Operation::Mutation,
        viewers,
        100,
        &generator,
        async |viewer, generated| {
            let response = ask(&world, viewer, generated).await?;
            assert_nothing_of_alpha(&world, &response["data"]);
            let now = world.query(Some(owner), ALPHA_STATE, alpha.clone()).await;
            prop_assert_eq!(&now, &before, "alpha changed");
            Ok(response)
        },
    );
}

#[test]
fn a_disguise_swaps_keys_plain_and_encoded_and_a_slug_only_whole() {
    let (key, unknown) = (Uuid::now_v7().to_string(), Uuid::now_v7().to_string());
    let disguise = Disguise {
        keys: vec![(key.clone(), unknown.clone())],
        values: vec![("\"alpha\"".to_owned(), "\"gamma\"".to_owned())],
    };
    let (id, unknown_id) = (global_id("User", &key), global_id("User", &unknown));
    let text = json!({ "raw": key, "message": format!("`{id}` is not an orgraph ID"),
        "slug": "alpha", "word": "alphabet" });
    let expected = json!({ "raw": unknown, "message": format!("`{unknown_id}` is not an orgraph ID"),
        "slug": "gamma", "word": "alphabet" });
    assert_eq!(disguise.json(&text), expected);
}
