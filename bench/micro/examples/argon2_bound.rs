//! The bound for sign-ins per second: argon2id with kabinet's default parameters
//! (m = 19456 KiB, t = 2, p = 1) verified in a tight loop, one thread per core, by the
//! same `argon2` crate the server uses (AVX2 where the CPU has it). No I/O, no database,
//! no HTTP: what the hardware allows if sign-in did nothing but hash.
//!
//! cargo run --release --example argon2_bound -- [seconds] [threads]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};

fn main() {
    let mut args = std::env::args().skip(1);
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let threads: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let params = Params::new(19_456, 2, 1, None).expect("parameters");
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let phc = argon
        .hash_password(b"correct horse battery staple")
        .expect("hash")
        .to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (stop, done, argon, phc) = (stop.clone(), done.clone(), argon.clone(), phc.clone());
            std::thread::spawn(move || {
                let parsed = PasswordHash::new(&phc).expect("phc");
                while !stop.load(Ordering::Relaxed) {
                    argon
                        .verify_password(b"correct horse battery staple", &parsed)
                        .expect("verifies");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("worker");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "argon2 crate: {n} verifications in {elapsed:.2} s on {threads} threads = {:.1}/s ({:.1} ms each per thread)",
        n as f64 / elapsed,
        elapsed * 1000.0 * threads as f64 / n as f64
    );
}
