//! The composition root of kabinet: configuration, logging, the server and the
//! command line. `kabinet-testkit` starts the same server in process.
#![forbid(unsafe_code)]

pub mod cli;
pub mod logging;
pub mod server;
