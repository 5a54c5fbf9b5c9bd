//! `kabinet bench broadcast`: one broadcast processed in this process, measured.

use kabinet_app::Settings;

/// The process's peak resident memory in MiB (`VmHWM`), where the system tells it.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// `kabinet bench broadcast`: one broadcast processed here, measured.
pub(crate) async fn bench_broadcast(
    app: &kabinet_app::App,
    settings: &Settings,
    news_email: bool,
    deliver: bool,
) -> Result<String, kabinet_app::AppError> {
    use kabinet_app::notify::{Mailer, SmsGateway, Worker};
    if news_email {
        kabinet_app::broadcast::news_by_email_for_everyone(app).await?;
    }
    let rss_before = peak_rss_mib();
    let b = kabinet_app::broadcast::create_as(
        app,
        &kabinet_app::Ctx::cli(),
        "cli",
        "Новые услуги",
        "В каталоге появились услуги нотариата. Подробности в личном кабинете.",
        None,
    )
    .await?;
    let started = std::time::Instant::now();
    let mut recipients = 0usize;
    while let Some(n) = kabinet_app::broadcast::step(app).await? {
        recipients += n;
        if n == 0 {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let mut report = format!(
        "broadcast to {} people: {recipients} notifications in {secs:.2} s = {:.0}/s into the inbox; \
         peak RSS {rss_before:.1} MiB before, {:.1} MiB after",
        b.total,
        recipients as f64 / secs.max(1e-9),
        peak_rss_mib()
    );
    if deliver {
        let to_err =
            |e: String| kabinet_app::AppError::Store(kabinet_store::StoreError::Corrupt(e));
        let worker = Worker::new(
            app.clone(),
            Mailer::from_settings(settings).map_err(to_err)?,
            SmsGateway::from_settings(settings).map_err(to_err)?,
        );
        let started = std::time::Instant::now();
        let mut sent = 0usize;
        while worker.run_once().await?.is_some() {
            sent += 1;
        }
        let secs = started.elapsed().as_secs_f64();
        report.push_str(&format!(
            "; {sent} e-mails in {secs:.2} s = {:.0}/s to SMTP; peak RSS {:.1} MiB",
            sent as f64 / secs.max(1e-9),
            peak_rss_mib()
        ));
    }
    Ok(report)
}
