//! Russian formats for people (shared with the use cases: `kabinet_app::format`).

pub use kabinet_app::format::{date, datetime};
