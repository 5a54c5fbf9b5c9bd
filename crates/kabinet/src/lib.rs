//! The composition root of kabinet: configuration, logging, the server and the
//! command line. `kabinet-testkit` starts the same server in process.
#![forbid(unsafe_code)]

mod audit_cmd;
mod bench_cmd;
pub mod cli;
pub mod logging;
mod run;
pub mod server;
