//! Hot pure functions: identifier parsers (run on every form field that holds one) and
//! the audit hash (run on every append and once per entry by `audit verify`).
//!
//! Inputs are the forms people actually type, with spaces, dashes and brackets, so the
//! normalisation is measured along with the checksum.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kabinet_domain::ids::{Email, Inn, Phone, Snils, Uin};
use kabinet_store::audit::{Entry, GENESIS_HASH};

fn parsers(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.bench_function("snils", |b| {
        b.iter(|| Snils::parse(black_box("112-233-445 95")))
    });
    g.bench_function("inn_legal", |b| {
        b.iter(|| Inn::parse(black_box(" 7707 083 893 ")))
    });
    g.bench_function("inn_person", |b| {
        b.iter(|| Inn::parse(black_box("5001 007322 59")))
    });
    g.bench_function("phone_ru", |b| {
        b.iter(|| Phone::parse(black_box("8 (999) 123-45-67")))
    });
    g.bench_function("email", |b| {
        b.iter(|| Email::parse(black_box("  Ivan.Petrov+kabinet@Example.COM ")))
    });
    g.bench_function("email_idn", |b| {
        b.iter(|| Email::parse(black_box("user@госуслуги.рф")))
    });
    g.bench_function("uin_20", |b| {
        b.iter(|| Uin::parse(black_box(" 1881 0177 2000 0000 0009 ")))
    });
    // A rejected value costs too: a typo must not be slower than a hit.
    g.bench_function("snils_bad_checksum", |b| {
        b.iter(|| Snils::parse(black_box("112-233-445 96")))
    });
    g.finish();
}

fn audit_hash(c: &mut Criterion) {
    // A typical entry: UUIDv7 id, stored timestamp, small JSON details.
    let entry = Entry {
        seq: 123_456,
        id: "01964f0e-7a3b-7c1d-9e2f-0a1b2c3d4e5f".into(),
        at: "2026-03-12T09:15:42.123456Z".into(),
        actor: "account:01964f0e-0000-7000-8000-000000000001".into(),
        action: "auth.signed_in".into(),
        object: "account:01964f0e-0000-7000-8000-000000000001".into(),
        source: Some("203.0.113.7".into()),
        request_id: Some("01964f0e-7a3b-7c1d-9e2f-0a1b2c3d4e60".into()),
        details: r#"{"method":"password","remember":false}"#.into(),
        prev_hash: GENESIS_HASH.into(),
        hash: String::new(),
    };
    c.bench_function("audit/compute_hash", |b| {
        b.iter(|| black_box(&entry).compute_hash())
    });
}

criterion_group!(benches, parsers, audit_hash);
criterion_main!(benches);
