//! Warm-up adaptation as in Stan: the initial step-size heuristic and dual averaging
//! ([`step_size`]), Welford covariance estimates with Stan's regularisation ([`mass_matrix`]),
//! and the 75 / 25-doubling / 50 window schedule ([`windows`]).

pub mod mass_matrix;
pub mod step_size;
pub mod windows;

pub use mass_matrix::MassMatrixAdapter;
pub use step_size::{find_initial_step_size, DualAveraging, DualAveragingConfig};
pub use windows::{WindowConfig, Windows};
