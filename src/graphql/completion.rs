//! The response shaped as the spec says. async-graphql 7 leaves an errored field out of `data`
//! instead of answering `null` at its path, resolves a selection's fields concurrently and keys
//! them in the order they finished, and answers `null` for an object none of whose selected
//! fields came back (an errored one, or a `Node` that matched none of the query's fragments).
//! Clients that normalise responses (Apollo's and urql's caches) then miss a key and refetch.
//!
//! [`ResponseShape::complete`] rebuilds `data` from the operation's selections: keys in the order
//! the query selected them, `null` for every field that errored, propagated to the nearest
//! nullable parent where the field is non-null ("Handling Field Errors" in the spec). It needs
//! each object's concrete type to tell which fragments applied, so [`ResponseShape::prepare`]
//! first adds a `__typename` under a reserved alias to every selection on an interface or union.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    BaseType, Directive, DocumentOperations, ExecutableDocument, Field, FragmentDefinition,
    OperationDefinition, OperationType, Selection, SelectionSet, Type, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, Pos, Positioned, Response, ServerError, Value, Variables};

/// The alias under which [`ResponseShape::prepare`] asks an abstract-typed object its type.
const CONCRETE_TYPE_KEY: &str = "_orgraphConcreteType";

/// What the completion pass needs to know of the schema's output types.
pub struct ResponseShape {
    types: HashMap<Name, OutputType>,
}

/// An object, interface or union type.
struct OutputType {
    fields: HashMap<Name, Type>,
    /// An interface or a union: its objects carry their concrete type under [`CONCRETE_TYPE_KEY`].
    is_abstract: bool,
    /// The type conditions a fragment on this object may name: itself, its interfaces, and
    /// the unions it belongs to.
    satisfies: HashSet<Name>,
}

impl ResponseShape {
    /// The output types of the schema `sdl` describes.
    pub fn from_sdl(sdl: &str) -> Result<Self, async_graphql::parser::Error> {
        let document = parse_schema(sdl)?;
        let mut types = HashMap::new();
        let mut unions = Vec::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let name = definition.node.name.node;
            let (fields, implements, is_abstract) = match definition.node.kind {
                TypeKind::Object(object) => (object.fields, object.implements, false),
                TypeKind::Interface(interface) => (interface.fields, interface.implements, true),
                TypeKind::Union(union) => {
                    unions.push((name.clone(), union.members));
                    (Vec::new(), Vec::new(), true)
                }
                _ => continue,
            };
            let fields = fields
                .into_iter()
                .map(|field| (field.node.name.node, field.node.ty.node))
                .collect();
            let satisfies = std::iter::once(name.clone())
                .chain(implements.into_iter().map(|interface| interface.node))
                .collect();
            let output = OutputType {
                fields,
                is_abstract,
                satisfies,
            };
            types.insert(name, output);
        }
        for (union, members) in unions {
            for member in members {
                if let Some(member) = types.get_mut(&member.node) {
                    member.satisfies.insert(union.clone());
                }
            }
        }
        Ok(Self { types })
    }

    /// Adds the concrete-type alias to every selection set of `document` that selects on an
    /// interface or a union.
    pub fn prepare(&self, document: &mut ExecutableDocument) {
        let fragments = &mut document.fragments;
        for fragment in fragments.values_mut() {
            let on = fragment.node.type_condition.node.on.node.clone();
            self.prepare_set(&on, &mut fragment.node.selection_set.node);
        }
        let operations: Vec<_> = match &mut document.operations {
            DocumentOperations::Single(operation) => vec![operation],
            DocumentOperations::Multiple(operations) => operations.values_mut().collect(),
        };
        for operation in operations {
            let root = root_type(operation.node.ty);
            self.prepare_set(&Name::new(root), &mut operation.node.selection_set.node);
        }
    }

    fn prepare_set(&self, parent: &Name, set: &mut SelectionSet) {
        for selection in &mut set.items {
            match &mut selection.node {
                Selection::Field(field) => {
                    let field = &mut field.node;
                    let Some(ty) = self.field_type(parent, &field.name.node) else {
                        continue;
                    };
                    let named = Name::new(named_type(ty));
                    let selections = &mut field.selection_set;
                    if self.types.get(&named).is_some_and(|ty| ty.is_abstract) {
                        let position = selections.pos;
                        selections
                            .node
                            .items
                            .push(Positioned::new(concrete_type_field(position), position));
                    }
                    self.prepare_set(&named, &mut selections.node);
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &mut fragment.node;
                    let on = fragment.type_condition.as_ref().map_or_else(
                        || parent.clone(),
                        |condition| condition.node.on.node.clone(),
                    );
                    self.prepare_set(&on, &mut fragment.selection_set.node);
                }
                // Prepared with the document's fragments.
                Selection::FragmentSpread(_) => {}
            }
        }
    }

    /// Rebuilds `response.data` for `operation` of `document` run with `variables`.
    pub fn complete(
        &self,
        document: &ExecutableDocument,
        operation: &OperationDefinition,
        variables: &Variables,
        response: &mut Response,
    ) {
        // The request itself was refused: there is no `data` to shape.
        if is_request_error(response) {
            return;
        }
        let data = std::mem::take(&mut response.data);
        let mut completion = Completion {
            shape: self,
            fragments: &document.fragments,
            operation,
            variables,
            errors: &response.errors,
            path: Vec::new(),
            collected: HashMap::new(),
        };
        let root = Name::new(root_type(operation.ty));
        response.data = completion
            .object(&root, data, &[&operation.selection_set.node])
            .unwrap_or(Value::Null);
    }

    fn field_type(&self, parent: &Name, field: &str) -> Option<&Type> {
        self.types.get(parent)?.fields.get(field)
    }
}

/// Whether nothing of `response` ran: it has errors, none of them at a field's path.
pub fn is_request_error(response: &Response) -> bool {
    response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// The root type of an operation (orgraph names them the spec's way).
fn root_type(operation: OperationType) -> &'static str {
    match operation {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => "Subscription",
    }
}

fn named_type(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named_type(item),
    }
}

fn concrete_type_field(position: Pos) -> Selection {
    Selection::Field(Positioned::new(
        Field {
            alias: Some(Positioned::new(Name::new(CONCRETE_TYPE_KEY), position)),
            name: Positioned::new(Name::new("__typename"), position),
            arguments: Vec::new(),
            directives: Vec::new(),
            selection_set: Positioned::new(SelectionSet::default(), position),
        },
        position,
    ))
}

/// A step of the path to the value being completed.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// One response's completion.
struct Completion<'a> {
    shape: &'a ResponseShape,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
    errors: &'a [ServerError],
    path: Vec<Step<'a>>,
    /// The fields selections collect on an object of a type, by the selections' address: every
    /// item of a list, every page of a connection, shares them.
    collected: HashMap<(usize, usize, Name), Rc<[CollectedField<'a>]>>,
}

/// A field of a selection, merged over every selection of the same response key.
struct CollectedField<'a> {
    key: &'a Name,
    /// Its type; `None` for `__typename` and introspection.
    ty: Option<&'a Type>,
    selections: Vec<&'a SelectionSet>,
}

impl<'a> Completion<'a> {
    /// The object `value` of static type `ty` with its fields completed, or `None` when a
    /// non-null field of it is null.
    fn object(
        &mut self,
        ty: &Name,
        value: Value,
        selections: &[&'a SelectionSet],
    ) -> Option<Value> {
        let mut fields = match value {
            Value::Object(fields) => fields,
            // All its fields errored: async-graphql then answers `null` for the object.
            _ => IndexMap::new(),
        };
        let concrete = match fields.shift_remove(CONCRETE_TYPE_KEY) {
            Some(Value::String(concrete)) => Name::new(concrete),
            _ => ty.clone(),
        };
        let collected = self.fields_of(concrete, selections);
        let in_order = fields.len() == collected.len()
            && fields
                .keys()
                .zip(collected.iter())
                .all(|(key, field)| key == field.key);
        if in_order {
            // Every key there, in order: complete the values where they are.
            for (value, field) in fields.values_mut().zip(collected.iter()) {
                let taken = std::mem::take(value);
                *value = self.field(field, Some(taken))?;
            }
            return Some(Value::Object(fields));
        }
        let mut completed = IndexMap::with_capacity(collected.len());
        for field in collected.iter() {
            let value = fields.swap_remove(field.key.as_str());
            completed.insert(field.key.clone(), self.field(field, value)?);
        }
        Some(Value::Object(completed))
    }

    /// A field's value completed (`None`: a non-null field is null).
    fn field(&mut self, field: &CollectedField<'a>, value: Option<Value>) -> Option<Value> {
        let Some(ty) = field.ty else {
            // `__typename`, and introspection, which keeps async-graphql's own shape.
            return Some(value.unwrap_or(Value::Null));
        };
        self.path.push(Step::Key(field.key.as_str()));
        let value = self.value(ty, value, &field.selections);
        self.path.pop();
        value
    }

    /// The fields `selections` select on an object of type `concrete`, collected once.
    fn fields_of(
        &mut self,
        concrete: Name,
        selections: &[&'a SelectionSet],
    ) -> Rc<[CollectedField<'a>]> {
        let key = (selections.as_ptr() as usize, selections.len(), concrete);
        if let Some(collected) = self.collected.get(&key) {
            return collected.clone();
        }
        let mut collected = Vec::new();
        for selection in selections {
            self.collect(&key.2, selection, &mut collected);
        }
        let collected: Rc<[CollectedField<'a>]> = collected.into();
        self.collected.insert(key, collected.clone());
        collected
    }

    /// `value` of type `ty` completed; `None` when it is null and `ty` is non-null, which
    /// nulls the parent.
    fn value(
        &mut self,
        ty: &Type,
        value: Option<Value>,
        selections: &[&'a SelectionSet],
    ) -> Option<Value> {
        let completed = match (value, &ty.base) {
            // Left out: the field errored.
            (None, _) => Value::Null,
            (Some(Value::Null), BaseType::Named(name))
                if self.is_composite(name) && self.errored_below() =>
            {
                self.object(name, Value::Null, selections)
                    .unwrap_or(Value::Null)
            }
            (Some(Value::List(items)), BaseType::List(item_type)) => {
                let mut completed = Vec::with_capacity(items.len());
                for (index, item) in items.into_iter().enumerate() {
                    self.path.push(Step::Index(index));
                    let item = self.value(item_type, Some(item), selections);
                    self.path.pop();
                    match item {
                        Some(item) => completed.push(item),
                        None => return self.null_unless_non_null(ty),
                    }
                }
                Value::List(completed)
            }
            // A JSON scalar's object is a value, not a selection.
            (Some(value @ Value::Object(_)), BaseType::Named(name)) if self.is_composite(name) => {
                self.object(name, value, selections).unwrap_or(Value::Null)
            }
            (Some(value), _) => value,
        };
        if completed == Value::Null {
            self.null_unless_non_null(ty)
        } else {
            Some(completed)
        }
    }

    fn is_composite(&self, name: &Name) -> bool {
        self.shape.types.contains_key(name)
    }

    fn null_unless_non_null(&self, ty: &Type) -> Option<Value> {
        ty.nullable.then_some(Value::Null)
    }

    /// Whether an error was raised inside the value at the current path.
    fn errored_below(&self) -> bool {
        self.errors.iter().any(|error| {
            error.path.len() > self.path.len()
                && error
                    .path
                    .iter()
                    .zip(&self.path)
                    .all(|(segment, step)| match (segment, step) {
                        (PathSegment::Field(segment), Step::Key(key)) => segment == key,
                        (PathSegment::Index(segment), Step::Index(index)) => segment == index,
                        _ => false,
                    })
        })
    }

    /// The fields `set` selects on an object of type `concrete`, merged into `collected` by
    /// response key in the order of first selection.
    fn collect(
        &self,
        concrete: &Name,
        set: &'a SelectionSet,
        collected: &mut Vec<CollectedField<'a>>,
    ) {
        for selection in &set.items {
            if !self.included(selection.node.directives()) {
                continue;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let key = &field.response_key().node;
                    if key == CONCRETE_TYPE_KEY {
                        continue;
                    }
                    let sub = &field.selection_set.node;
                    match collected.iter_mut().find(|known| known.key == key) {
                        Some(known) => known.selections.push(sub),
                        None => collected.push(CollectedField {
                            key,
                            ty: self.shape.field_type(concrete, &field.name.node),
                            selections: vec![sub],
                        }),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let applies = fragment
                        .type_condition
                        .as_ref()
                        .is_none_or(|condition| self.applies(concrete, &condition.node.on.node));
                    if applies {
                        self.collect(concrete, &fragment.selection_set.node, collected);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let Some(fragment) = self.fragments.get(&spread.node.fragment_name.node) else {
                        continue;
                    };
                    let fragment = &fragment.node;
                    if self.applies(concrete, &fragment.type_condition.node.on.node) {
                        self.collect(concrete, &fragment.selection_set.node, collected);
                    }
                }
            }
        }
    }

    /// Whether a fragment on `condition` applies to an object of type `concrete`.
    fn applies(&self, concrete: &Name, condition: &Name) -> bool {
        concrete == condition
            || self
                .shape
                .types
                .get(concrete)
                .is_some_and(|ty| ty.satisfies.contains(condition))
    }

    /// Whether `@skip` and `@include` keep a selection.
    fn included(&self, directives: &[Positioned<Directive>]) -> bool {
        directives.iter().all(|directive| {
            let directive = &directive.node;
            match directive.name.node.as_str() {
                "skip" => !self.truth(directive),
                "include" => self.truth(directive),
                _ => true,
            }
        })
    }

    /// A directive's `if:` argument, a literal or a variable (given, or its default).
    fn truth(&self, directive: &Directive) -> bool {
        let Some(argument) = directive.get_argument("if") else {
            return false;
        };
        let value = argument.node.clone().into_const_with(|name| {
            let default = || {
                self.operation
                    .variable_definitions
                    .iter()
                    .find(|definition| definition.node.name.node == name)
                    .and_then(|definition| definition.node.default_value.as_ref())
                    .map(|default| default.node.clone())
            };
            self.variables
                .get(&name)
                .cloned()
                .or_else(default)
                .ok_or(())
        });
        matches!(value, Ok(Value::Boolean(true)))
    }
}
