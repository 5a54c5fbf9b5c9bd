//! Request metrics in the Prometheus text format, kept in memory without a metrics
//! crate: a counter and a latency histogram per (method, route, status).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// In-memory request metrics of this process.
pub struct Metrics {
    started: Instant,
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Empty metrics, starting the uptime clock.
    pub fn new() -> Metrics {
        Metrics {
            started: Instant::now(),
            series: Mutex::new(BTreeMap::new()),
        }
    }

    /// Records one finished request.
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let series = map
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        series.count += 1;
        series.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                series.buckets[i] += 1;
            }
        }
    }

    /// Appends the metrics in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(
            out,
            "# HELP kabinet_uptime_seconds Seconds since this process started.\n\
             # TYPE kabinet_uptime_seconds gauge\nkabinet_uptime_seconds {:.3}",
            self.started.elapsed().as_secs_f64()
        );
        out.push_str(
            "# HELP kabinet_http_requests_total Finished HTTP requests.\n\
             # TYPE kabinet_http_requests_total counter\n",
        );
        for ((method, route, status), s) in map.iter() {
            let _ = writeln!(
                out,
                "kabinet_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str(
            "# HELP kabinet_http_request_duration_seconds Time to answer HTTP requests.\n\
             # TYPE kabinet_http_request_duration_seconds histogram\n",
        );
        for ((method, route, status), s) in map.iter() {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                escape(route)
            );
            for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                let _ = writeln!(
                    out,
                    "kabinet_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "kabinet_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n\
                 kabinet_http_request_duration_seconds_sum{{{labels}}} {:.6}\n\
                 kabinet_http_request_duration_seconds_count{{{labels}}} {}",
                s.count, s.sum, s.count
            );
        }
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Resident memory of this process in bytes (Linux), for the metrics page.
pub fn resident_memory_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::new();
        m.record("GET", "/healthz", 200, 0.0007);
        m.record("GET", "/healthz", 200, 0.02);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains(
            "kabinet_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(out.contains("le=\"0.001\"} 1"));
        assert!(out.contains("le=\"+Inf\"} 2"));
    }
}
