//! GraphQL object types, one module per type; each wraps its stored row.

mod consent_type;
mod maturity_level;

pub use consent_type::ConsentType;
pub use maturity_level::MaturityLevel;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// A stored decimal as a GraphQL `Float`; stored decimals always fit.
fn decimal_to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or_default()
}
