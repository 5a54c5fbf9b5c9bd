//! An open-loop load generator: requests start at a fixed rate whatever the answers
//! do, and each latency is measured from when its request was due — so a slow server
//! shows as latency, not as a lower request rate (no coordinated omission).
//!
//! cargo run --release --example load -- BASE MODE TARGETS RATE SECONDS
//!   MODE list: GET /applications?status=… (the «Мои заявления» page, 50 rows)
//!   MODE get:  GET /api/v1/applications/{id}
//!   TARGETS: lines `token application-id` (from `kabinet bench seed`)

use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, mode, targets, rate, secs] = args.as_slice() else {
        eprintln!("usage: load BASE list|get TARGETS RATE SECONDS");
        std::process::exit(2);
    };
    let rate: f64 = rate.parse().expect("rate");
    let secs: f64 = secs.parse().expect("seconds");
    let lines: Vec<(String, String)> = std::fs::read_to_string(targets)
        .expect("targets")
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(t, i)| (t.to_owned(), i.to_owned())))
        .collect();
    // One request per distinct token for lists; every application for single reads.
    let mut tokens: Vec<String> = lines.iter().map(|(t, _)| t.clone()).collect();
    tokens.dedup();
    let statuses = ["submitted", "in_progress", "approved", "completed", "rejected"];
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().expect("client");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, bool)>();
    let start = Instant::now();
    let total = (rate * secs) as u64;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let base = Arc::new(base.clone());
    for n in 0..total {
        let due = start + interval * n as u32;
        tokio::time::sleep_until(due.into()).await;
        let (token, path) = if mode == "list" {
            let t = &tokens[n as usize % tokens.len()];
            (t.clone(), format!("/applications?status={}", statuses[n as usize % statuses.len()]))
        } else {
            let (t, id) = &lines[(n as usize * 7919) % lines.len()];
            (t.clone(), format!("/api/v1/applications/{id}"))
        };
        let client = client.clone();
        let tx = tx.clone();
        let base = base.clone();
        tokio::spawn(async move {
            let res = client
                .get(format!("{base}{path}"))
                .header("cookie", format!("kabinet_session={token}"))
                .send()
                .await;
            let ok = match res {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            let _ = tx.send((due.elapsed().as_micros() as u64, ok));
        });
    }
    drop(tx);
    let mut lat = Vec::with_capacity(total as usize);
    let mut errors = 0;
    while let Some((us, ok)) = rx.recv().await {
        lat.push(us);
        if !ok {
            errors += 1;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)] as f64 / 1000.0;
    println!(
        "{mode}: {} requests at {rate}/s over {elapsed:.1} s = {:.0}/s completed; p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; errors {errors}",
        lat.len(),
        lat.len() as f64 / elapsed,
        q(0.5),
        q(0.9),
        q(0.99),
        q(1.0)
    );
}
