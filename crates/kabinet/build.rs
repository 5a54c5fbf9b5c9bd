//! Sets `cfg(kabinet_no_pg)` when the PostgreSQL variants of the tests cannot run
//! (`KABINET_TEST_PG` unset or empty), so that `backend_test!` marks them `#[ignore]`
//! and `cargo test` reports them as ignored instead of counting them as passed. In CI
//! (`CI=true`) the cfg is never set: the variants run and fail loudly without a server.
//! The same script sits in every package whose tests use `backend_test!` (a cfg applies
//! to the package that sets it: the macro expands in the test's package).

fn main() {
    println!("cargo:rerun-if-env-changed=KABINET_TEST_PG");
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo::rustc-check-cfg=cfg(kabinet_no_pg)");
    let pg = std::env::var("KABINET_TEST_PG").is_ok_and(|v| !v.is_empty());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !pg && !ci {
        println!("cargo::rustc-cfg=kabinet_no_pg");
    }
}
