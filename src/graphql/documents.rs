//! Parsed GraphQL documents, kept by their text. Dashboards send the same few queries all day,
//! and parsing them again was a quarter of the server's own time on a one-row `lookup`
//! (BENCHMARKS.md). Each is kept prepared for the completion pass (`graphql::completion`).

use std::sync::Arc;

use async_graphql::parser::parse_query;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::completion::ResponseShape;

/// Documents that parsed, by their text, bounded by an estimate of the memory they take.
pub struct ParsedDocuments {
    cache: Cache<String, Arc<ExecutableDocument>, TextWeight>,
    shape: ResponseShape,
}

impl ParsedDocuments {
    /// A cache holding at most about `memory` bytes of documents, prepared for `shape`.
    pub fn new(memory: u64, shape: ResponseShape) -> Self {
        Self {
            cache: Cache::with_weighter(EXPECTED_DOCUMENTS, memory, TextWeight),
            shape,
        }
    }

    /// The shape responses to these documents are completed to.
    pub fn shape(&self) -> &ResponseShape {
        &self.shape
    }

    /// The document `query` parses to, parsed once; `None` when it does not parse (the
    /// executor then reports the syntax error itself, and nothing is kept).
    pub fn parse(&self, query: &str) -> Option<Arc<ExecutableDocument>> {
        if let Some(document) = self.cache.get(query) {
            return Some(document);
        }
        let mut document = parse_query(query).ok()?;
        self.shape.prepare(&mut document);
        let document = Arc::new(document);
        self.cache.insert(query.to_owned(), document.clone());
        Some(document)
    }

    /// Whether `query` holds a mutation.
    pub fn holds_a_mutation(&self, query: &str) -> bool {
        self.parse(query).is_some_and(|document| {
            document
                .operations
                .iter()
                .any(|(_, operation)| operation.node.ty == OperationType::Mutation)
        })
    }
}

/// How many distinct documents a deployment is expected to send: its clients' queries.
const EXPECTED_DOCUMENTS: usize = 512;

/// A parsed document takes about this many times its text's bytes (syntax nodes with their
/// positions); the estimate only has to bound the cache, not be exact.
const PARSED_BYTES_PER_TEXT_BYTE: u64 = 16;

#[derive(Clone)]
struct TextWeight;

impl Weighter<String, Arc<ExecutableDocument>> for TextWeight {
    fn weight(&self, query: &String, _: &Arc<ExecutableDocument>) -> u64 {
        (query.len() as u64).max(1) * PARSED_BYTES_PER_TEXT_BYTE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documents(memory: u64) -> ParsedDocuments {
        let shape = ResponseShape::from_sdl(&crate::graphql::sdl()).expect("the SDL parses");
        ParsedDocuments::new(memory, shape)
    }

    #[test]
    fn a_document_is_parsed_once_and_shared() {
        let documents = documents(1 << 20);
        let first = documents.parse("{ viewer { id } }").expect("parses");
        let again = documents.parse("{ viewer { id } }").expect("parses");
        assert!(Arc::ptr_eq(&first, &again));
        let other = documents.parse("{ viewer { name } }").expect("parses");
        assert!(!Arc::ptr_eq(&first, &other));
    }

    #[test]
    fn a_syntax_error_is_not_kept() {
        let documents = documents(1 << 20);
        assert!(documents.parse("{ viewer { id }").is_none());
        assert_eq!(documents.cache.len(), 0);
    }

    #[test]
    fn the_cache_stays_within_its_memory() {
        let documents = documents(64 * 1024);
        for n in 0..1000 {
            documents.parse(&format!("{{ viewer {{ id name }} n{n}: viewer {{ id }} }}"));
        }
        assert!(documents.cache.weight() <= 64 * 1024);
        assert!(documents.cache.len() < 1000);
    }

    #[test]
    fn mutations_are_told_from_queries() {
        let documents = documents(1 << 20);
        assert!(documents.holds_a_mutation("mutation { submitAssessment(id: \"x\") { id } }"));
        assert!(documents.holds_a_mutation("query A { viewer { id } } mutation B { x }"));
        assert!(!documents.holds_a_mutation("query { viewer { id } }"));
        assert!(!documents.holds_a_mutation("mutation {"));
    }
}
