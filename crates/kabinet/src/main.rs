//! The `kabinet` command: `serve`, `worker`, `migrate`, `audit verify`, `notify test`,
//! `config show`. See `kabinet --help` and docs/operations.md.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    kabinet::cli::main()
}
