//! Personal data: where it lives (the registry), how it is anonymised (strategies), and the
//! data-subject requests that erase it.

pub mod erasure;
pub mod export;
pub mod registry;
pub mod requests;
pub mod retention;
pub mod strategy;
pub mod tables;
