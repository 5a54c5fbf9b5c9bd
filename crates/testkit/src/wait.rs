//! Waiting for a condition instead of sleeping: the worker delivers in its own time, so
//! a test polls what it can observe (a mail arrived, a row changed) until it holds, and
//! fails with a message naming the condition when it does not within the timeout.

use std::future::Future;
use std::time::Duration;

/// How long a test waits by default for the worker's effects: generous, because a
/// loaded machine (CI, two backends in parallel) can be slow; a passing test returns
/// as soon as the condition holds.
pub const WAIT: Duration = Duration::from_secs(10);

/// How often a condition is checked.
const POLL: Duration = Duration::from_millis(10);

/// Waits until `check` answers `Some(value)` and returns the value; panics naming
/// `what` if it still answers `None` after `timeout`.
pub async fn wait_for<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited {timeout:?} and still not true: {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until `check` answers true; panics naming `what` if it does not within
/// `timeout`.
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    wait_for(timeout, what, || {
        let holds = check();
        async move { holds.await.then_some(()) }
    })
    .await;
}
