//! Neural-network building blocks.
pub mod param;
pub use param::{Module, Param};
