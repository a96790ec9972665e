//! Before measuring: orgraph and the peer answer each scenario with the same rows.
//!
//! Both answers are reduced to the keys they hold (orgraph's global IDs decoded to their UUID,
//! the peer's `rowId`s) and their numbers (orgraph's floats, the peer's `BigFloat` strings),
//! each sorted: the same rows with the same scores give the same two lists, whatever each
//! schema calls its fields.

use serde_json::Value as Json;
use uuid::Uuid;

use crate::Case;
use crate::driver::Driver;
use crate::fixture::Fixture;
use crate::servers::Server;

/// Prints whether `peer` answers `case` with the rows orgraph answers it with.
pub async fn same_rows(
    driver: &Driver,
    fixture: &Fixture,
    case: &Case,
    orgraph: &Server,
    peer: Option<&Server>,
) {
    let Some(peer) = peer.filter(|_| case.peer) else {
        return;
    };
    let (ours, theirs) = (
        answer(driver, fixture, case, orgraph).await,
        answer(driver, fixture, case, peer).await,
    );
    let problem = [(&ours, "orgraph"), (&theirs, peer.kind.label())]
        .into_iter()
        .find_map(|(answer, name)| match answer.get("errors") {
            Some(errors) => Some(format!("{name} answered errors: {errors}")),
            None if answer.get("data").is_none() => Some(format!("{name} answered no data")),
            None => None,
        });
    let (ours, theirs) = (Digest::of(&ours), Digest::of(&theirs));
    match problem {
        Some(problem) => println!("check {}: {problem}", case.label),
        None if ours == theirs => println!(
            "check {}: orgraph and {} answer the same {} keys and {} numbers",
            case.label,
            peer.kind.label(),
            ours.keys.len(),
            ours.numbers.len()
        ),
        None => println!(
            "check {}: DIFFERENT answers: orgraph {} keys and {} numbers, {} {} and {}",
            case.label,
            ours.keys.len(),
            ours.numbers.len(),
            peer.kind.label(),
            theirs.keys.len(),
            theirs.numbers.len()
        ),
    }
}

/// `server`'s answer to `case`'s first request.
async fn answer(driver: &Driver, fixture: &Fixture, case: &Case, server: &Server) -> Json {
    let response = fixture
        .request(&driver.client, server, case, 0)
        .send()
        .await;
    match response {
        Ok(response) => response.json::<Json>().await.unwrap_or(Json::Null),
        Err(_) => Json::Null,
    }
}

/// The keys and numbers of an answer, sorted.
#[derive(Debug, Default, PartialEq, Eq)]
struct Digest {
    keys: Vec<Uuid>,
    numbers: Vec<String>,
}

impl Digest {
    fn of(answer: &Json) -> Self {
        let mut digest = Digest::default();
        digest.add(answer.get("data").unwrap_or(&Json::Null));
        digest.keys.sort();
        digest.numbers.sort();
        digest
    }

    fn add(&mut self, value: &Json) {
        match value {
            Json::Object(fields) => fields.values().for_each(|value| self.add(value)),
            Json::Array(items) => items.iter().for_each(|value| self.add(value)),
            Json::Number(number) => self.number(number.as_f64()),
            Json::String(text) => {
                if let Some(key) = key_of(text) {
                    self.keys.push(key);
                } else if let Ok(number) = text.parse::<f64>() {
                    self.number(Some(number));
                }
            }
            Json::Bool(_) | Json::Null => {}
        }
    }

    fn number(&mut self, number: Option<f64>) {
        if let Some(number) = number {
            self.numbers.push(format!("{number:.4}"));
        }
    }
}

/// The UUID a string names: itself, or the one inside an orgraph global ID (`Type:uuid`).
fn key_of(text: &str) -> Option<Uuid> {
    use base64::Engine;
    if let Ok(uuid) = text.parse() {
        return Some(uuid);
    }
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (_, uuid) = decoded.split_once(':')?;
    uuid.parse().ok()
}
