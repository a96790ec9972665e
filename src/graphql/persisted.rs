//! Persisted queries. Apollo's *automatic* persisted queries: a client sends a query's SHA-256
//! alone, and its text only when the server answers that it does not know the hash (then both,
//! and the server keeps the text). And an *allow-list* (`ORGRAPH_PERSISTED_ONLY`): the
//! operations in a directory of `.graphql` files, read at start, are the only ones that run.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Known documents by their hash.
pub enum PersistedQueries {
    /// Learnt from clients, bounded by the memory their text takes.
    Automatic(Cache<String, Arc<str>, TextWeight>),
    /// Read from files at start; nothing else runs.
    AllowList(HashMap<String, Arc<str>>),
}

/// Why a request's document cannot be had.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PersistedQueryError {
    /// The hash is not known: the client should send the text with it.
    #[error("PersistedQueryNotFound")]
    NotFound,
    #[error("the query's SHA-256 is {actual}, not the `sha256Hash` sent")]
    HashMismatch { actual: String },
    #[error(
        "`extensions.persistedQuery` must be {{\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}}"
    )]
    Malformed,
    #[error("this server runs only the operations of its allow-list")]
    NotAllowed,
}

impl PersistedQueryError {
    /// The error's `extensions.code`.
    pub fn code(&self) -> &'static str {
        use crate::error::code;
        match self {
            Self::NotFound => code::PERSISTED_QUERY_NOT_FOUND,
            Self::HashMismatch { .. } | Self::Malformed => code::BAD_REQUEST,
            Self::NotAllowed => code::OPERATION_NOT_ALLOWED,
        }
    }
}

impl PersistedQueries {
    /// Automatic persisted queries, keeping about `memory` bytes of query text.
    pub fn automatic(memory: u64) -> Self {
        Self::Automatic(Cache::with_weighter(EXPECTED_DOCUMENTS, memory, TextWeight))
    }

    /// The allow-list of the `.graphql` files in `directory`.
    pub fn allow_list(directory: &Path) -> anyhow::Result<Self> {
        let mut listed = HashMap::new();
        let entries = std::fs::read_dir(directory)
            .with_context(|| format!("reading the allow-list {}", directory.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path
                .extension()
                .is_some_and(|extension| extension == "graphql")
            {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                async_graphql::parser::parse_query(&text)
                    .with_context(|| format!("{} is not a GraphQL document", path.display()))?;
                listed.insert(sha256_hex(&text), Arc::from(text));
            }
        }
        anyhow::ensure!(
            !listed.is_empty(),
            "the allow-list {} holds no .graphql file",
            directory.display()
        );
        Ok(Self::AllowList(listed))
    }

    /// The document a request runs: its `query`, checked against and kept under the hash of
    /// `extensions.persistedQuery` when it has one; or the text kept under that hash.
    pub fn resolve(
        &self,
        query: Option<String>,
        extensions: &Map<String, Value>,
    ) -> Result<String, PersistedQueryError> {
        let hash = extensions.get("persistedQuery").map(hash_of).transpose()?;
        match (self, query, hash) {
            (Self::Automatic(_), Some(query), None) => Ok(query),
            (Self::Automatic(cache), Some(query), Some(hash)) => {
                let actual = sha256_hex(&query);
                if actual != hash {
                    return Err(PersistedQueryError::HashMismatch { actual });
                }
                cache.insert(hash, Arc::from(query.as_str()));
                Ok(query)
            }
            (Self::Automatic(cache), None, Some(hash)) => cache
                .get(&hash)
                .map(|text| text.to_string())
                .ok_or(PersistedQueryError::NotFound),
            (Self::AllowList(listed), Some(query), hash) => {
                let actual = sha256_hex(&query);
                if hash.is_some_and(|hash| hash != actual) {
                    return Err(PersistedQueryError::HashMismatch { actual });
                }
                listed
                    .contains_key(&actual)
                    .then_some(query)
                    .ok_or(PersistedQueryError::NotAllowed)
            }
            (Self::AllowList(listed), None, Some(hash)) => listed
                .get(&hash)
                .map(|text| text.to_string())
                .ok_or(PersistedQueryError::NotAllowed),
            // `http::params` refuses a request with neither.
            (_, None, None) => Err(PersistedQueryError::Malformed),
        }
    }
}

/// The lower-case hex SHA-256 of `text`, as Apollo's clients compute it.
fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn hash_of(persisted: &Value) -> Result<String, PersistedQueryError> {
    let version = persisted.get("version").and_then(Value::as_u64);
    let hash = persisted.get("sha256Hash").and_then(Value::as_str);
    match (version, hash) {
        (Some(1), Some(hash))
            if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Ok(hash.to_ascii_lowercase())
        }
        _ => Err(PersistedQueryError::Malformed),
    }
}

/// How many distinct documents a deployment's clients send.
const EXPECTED_DOCUMENTS: usize = 512;

#[derive(Clone)]
pub struct TextWeight;

impl Weighter<String, Arc<str>> for TextWeight {
    fn weight(&self, hash: &String, text: &Arc<str>) -> u64 {
        (hash.len() + text.len()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const QUERY: &str = "{ maturityLevels { level } }";

    fn persisted(hash: &str) -> Map<String, Value> {
        let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        extensions.as_object().unwrap().clone()
    }

    #[test]
    fn a_hash_is_missed_then_registered_with_its_text_then_hit() {
        let queries = PersistedQueries::automatic(1 << 20);
        let hash = sha256_hex(QUERY);
        assert_eq!(
            queries.resolve(None, &persisted(&hash)),
            Err(PersistedQueryError::NotFound)
        );
        assert_eq!(
            queries
                .resolve(Some(QUERY.into()), &persisted(&hash))
                .as_deref(),
            Ok(QUERY)
        );
        assert_eq!(
            queries.resolve(None, &persisted(&hash)).as_deref(),
            Ok(QUERY)
        );
        assert_eq!(
            queries
                .resolve(None, &persisted(&hash.to_uppercase()))
                .as_deref(),
            Ok(QUERY)
        );
        // Plain requests are untouched.
        assert_eq!(
            queries
                .resolve(Some("{ a }".into()), &Map::new())
                .as_deref(),
            Ok("{ a }")
        );
    }

    #[test]
    fn a_text_is_kept_only_under_its_own_hash() {
        let queries = PersistedQueries::automatic(1 << 20);
        let other = sha256_hex("{ other }");
        let refused = queries.resolve(Some(QUERY.into()), &persisted(&other));
        assert_eq!(
            refused,
            Err(PersistedQueryError::HashMismatch {
                actual: sha256_hex(QUERY)
            })
        );
        assert_eq!(
            queries.resolve(None, &persisted(&other)),
            Err(PersistedQueryError::NotFound)
        );
        for malformed in [
            json!({ "version": 2, "sha256Hash": other }),
            json!({ "version": 1, "sha256Hash": "xyz" }),
        ] {
            let extensions = json!({ "persistedQuery": malformed });
            let refused = queries.resolve(Some(QUERY.into()), extensions.as_object().unwrap());
            assert_eq!(refused, Err(PersistedQueryError::Malformed));
        }
    }

    #[test]
    fn the_known_hashes_stay_within_their_memory() {
        let queries = PersistedQueries::automatic(16 * 1024);
        for n in 0..1000 {
            let query = format!("{{ n{n}: maturityLevels {{ level }} }}");
            queries
                .resolve(Some(query.clone()), &persisted(&sha256_hex(&query)))
                .unwrap();
        }
        let PersistedQueries::Automatic(cache) = &queries else {
            unreachable!()
        };
        assert!(cache.weight() <= 16 * 1024);
    }

    #[test]
    fn an_allow_list_runs_its_documents_and_nothing_else() {
        let directory = std::env::temp_dir().join(format!("orgraph-allow-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        std::fs::write(directory.join("levels.graphql"), QUERY).unwrap();
        std::fs::write(directory.join("notes.txt"), "not a document").unwrap();
        let queries = PersistedQueries::allow_list(&directory).unwrap();
        let hash = sha256_hex(QUERY);
        assert_eq!(
            queries.resolve(None, &persisted(&hash)).as_deref(),
            Ok(QUERY)
        );
        assert_eq!(
            queries.resolve(Some(QUERY.into()), &Map::new()).as_deref(),
            Ok(QUERY)
        );
        assert_eq!(
            queries.resolve(Some("{ viewer { email } }".into()), &Map::new()),
            Err(PersistedQueryError::NotAllowed)
        );
        let unknown = sha256_hex("{ viewer { email } }");
        assert_eq!(
            queries.resolve(None, &persisted(&unknown)),
            Err(PersistedQueryError::NotAllowed)
        );
        std::fs::write(directory.join("broken.graphql"), "{ viewer").unwrap();
        let error = PersistedQueries::allow_list(&directory).err().unwrap();
        assert!(format!("{error:#}").contains("broken.graphql"), "{error:#}");
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
