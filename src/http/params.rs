//! The parameters of a GraphQL request: `query`, `operationName`, `variables` and
//! `extensions`, from a JSON body (one request, or a batch) or from a GET's URL.

use serde_json::{Map, Value};

use super::Refusal;

/// One request's parameters, of the types the spec requires.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Params {
    /// Missing when an automatic persisted query names its document by hash alone.
    pub query: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Map<String, Value>,
    pub extensions: Map<String, Value>,
}

/// A POST body: one request, or several (a JSON array).
#[derive(Debug, PartialEq)]
pub enum Body {
    Single(Params),
    Batch(Vec<Params>),
}

/// The keys a request may hold.
const KEYS: &str = "query, operationName, variables, extensions";

impl Params {
    /// The parameters of a JSON body's object.
    pub fn from_object(object: Map<String, Value>) -> Result<Self, Refusal> {
        let mut params = Params::default();
        let mut unknown = Vec::new();
        for (key, value) in object {
            match key.as_str() {
                "query" => params.query = text(&key, value)?,
                "operationName" => params.operation_name = text(&key, value)?,
                "variables" => params.variables = map(&key, value)?,
                "extensions" => params.extensions = map(&key, value)?,
                _ => unknown.push(key),
            }
        }
        // Unknown keys are ignored, unless they hide a misspelt query.
        if params.query.is_none() && !params.extensions.contains_key("persistedQuery") {
            let found = if unknown.is_empty() {
                String::new()
            } else {
                format!(" (it holds {})", unknown.join(", "))
            };
            return Err(Refusal::bad_request(format!(
                "the request has no `query`{found}: expected {KEYS}"
            )));
        }
        Ok(params)
    }

    /// The parameters of a GET's URL query string: `variables` and `extensions` are JSON.
    pub fn from_url_query(query: &str) -> Result<Self, Refusal> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|error| Refusal::bad_request(format!("the URL's query string: {error}")))?;
        let mut object = Map::new();
        for (key, value) in pairs {
            let value = match key.as_str() {
                "variables" | "extensions" => serde_json::from_str(&value).map_err(|error| {
                    Refusal::bad_request(format!("`{key}` must be a JSON object: {error}"))
                })?,
                _ => Value::String(value),
            };
            object.insert(key, value);
        }
        Self::from_object(object)
    }
}

impl Body {
    /// The request(s) a JSON body holds.
    pub fn from_json(body: &[u8]) -> Result<Self, Refusal> {
        if body.is_empty() {
            return Err(Refusal::bad_request(format!(
                "the body is empty: send a JSON object with {KEYS}"
            )));
        }
        let value: Value = serde_json::from_slice(body)
            .map_err(|error| Refusal::bad_request(format!("the body is not JSON: {error}")))?;
        match value {
            Value::Object(object) => Params::from_object(object).map(Body::Single),
            Value::Array(requests) => requests
                .into_iter()
                .enumerate()
                .map(|(index, request)| match request {
                    Value::Object(object) => Params::from_object(object).map_err(|refusal| {
                        Refusal::bad_request(format!("request {index}: {}", refusal.message))
                    }),
                    other => Err(Refusal::bad_request(format!(
                        "request {index} is {}, not an object",
                        kind(&other)
                    ))),
                })
                .collect::<Result<_, _>>()
                .map(Body::Batch),
            other => Err(Refusal::bad_request(format!(
                "the body is {}: send a JSON object with {KEYS}",
                kind(&other)
            ))),
        }
    }
}

fn text(key: &str, value: Value) -> Result<Option<String>, Refusal> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text)),
        other => Err(Refusal::bad_request(format!(
            "`{key}` must be a string, not {}",
            kind(&other)
        ))),
    }
}

fn map(key: &str, value: Value) -> Result<Map<String, Value>, Refusal> {
    match value {
        Value::Null => Ok(Map::new()),
        Value::Object(map) => Ok(map),
        other => Err(Refusal::bad_request(format!(
            "`{key}` must be an object, not {}",
            kind(&other)
        ))),
    }
}

/// What a JSON value is, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn single(body: Value) -> Result<Params, Refusal> {
        match Body::from_json(body.to_string().as_bytes())? {
            Body::Single(params) => Ok(params),
            Body::Batch(_) => panic!("a batch"),
        }
    }

    #[test]
    fn a_request_holds_a_query_and_optional_parameters_of_their_types() {
        let params = single(json!({
            "query": "query Q { __typename }", "operationName": "Q",
            "variables": { "id": 1 }, "extensions": { "x": true }, "id": "ignored"
        }))
        .unwrap();
        assert_eq!(params.query.as_deref(), Some("query Q { __typename }"));
        assert_eq!(params.operation_name.as_deref(), Some("Q"));
        assert_eq!(params.variables["id"], 1);
        let nulls = json!({ "query": "{ a }", "operationName": null, "variables": null, "extensions": null });
        assert_eq!(single(nulls).unwrap().variables, Map::new());
        for (body, needle) in [
            (
                json!({ "query": 1 }),
                "`query` must be a string, not a number",
            ),
            (
                json!({ "query": "{ a }", "variables": "{}" }),
                "`variables` must be an object, not a string",
            ),
            (
                json!({ "query": "{ a }", "operationName": [] }),
                "`operationName` must be a string",
            ),
            (
                json!({ "query": "{ a }", "extensions": 2 }),
                "`extensions` must be an object",
            ),
        ] {
            let refusal = single(body).unwrap_err();
            assert!(refusal.message.contains(needle), "{}", refusal.message);
        }
    }

    #[test]
    fn a_misspelt_query_is_named_with_the_keys_expected() {
        let refusal = single(json!({ "qury": "{ a }" })).unwrap_err();
        assert_eq!(
            refusal.message,
            "the request has no `query` (it holds qury): expected query, operationName, variables, extensions"
        );
        // A persisted query's hash may stand in for the text.
        let hashed =
            json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "ab" } } });
        assert_eq!(single(hashed).unwrap().query, None);
    }

    #[test]
    fn bad_json_and_bodies_that_are_not_requests_are_refused_in_words() {
        for (body, needle) in [
            (&b""[..], "the body is empty"),
            (&b"{\"query\": "[..], "the body is not JSON: EOF"),
            (&b"\"{ a }\""[..], "the body is a string"),
            (&b"[1]"[..], "request 0 is a number, not an object"),
        ] {
            let refusal = Body::from_json(body).unwrap_err();
            assert!(refusal.message.contains(needle), "{}", refusal.message);
            assert_eq!(refusal.code, "BAD_REQUEST");
        }
        let batch = Body::from_json(br#"[{"query": "{ a }"}, {"query": "{ b }"}]"#).unwrap();
        assert!(matches!(batch, Body::Batch(requests) if requests.len() == 2));
    }

    #[test]
    fn a_url_carries_the_same_parameters_with_json_variables() {
        let params = Params::from_url_query(
            "query=query%20B%20%7B%20a%20%7D&operationName=B&variables=%7B%22n%22%3A2%7D",
        )
        .unwrap();
        assert_eq!(params.operation_name.as_deref(), Some("B"));
        assert_eq!(params.variables["n"], 2);
        let refusal = Params::from_url_query("query=%7Ba%7D&variables=nope").unwrap_err();
        assert!(
            refusal
                .message
                .starts_with("`variables` must be a JSON object"),
            "{}",
            refusal.message
        );
        assert!(Params::from_url_query("operationName=B").is_err());
    }
}
