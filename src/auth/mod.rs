//! Authentication: JSON Web Tokens naming a user.

pub mod token;
pub mod viewer;
