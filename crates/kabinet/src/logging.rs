//! Logs through `tracing`: text lines by default, JSON with `KABINET_LOG_FORMAT=json`.

use kabinet_app::settings::{LogFormat, Settings};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the global subscriber. Fails on a bad `log_level`.
pub fn init(settings: &Settings) -> Result<(), String> {
    let filter: Targets = settings.log_level.parse().map_err(|e| {
        format!(
            "KABINET_LOG_LEVEL: {:?} is not a filter like `info` or `info,kabinet_store=debug`: {e}",
            settings.log_level
        )
    })?;
    let registry = tracing_subscriber::registry().with(filter);
    let result = match settings.log_format {
        LogFormat::Text => registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    // A second init (tests start several servers) keeps the first subscriber.
    let _ = result;
    Ok(())
}
