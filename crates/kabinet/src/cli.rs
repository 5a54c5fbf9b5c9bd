//! The command line.
//!
//! Exit codes: 0 success; 1 failure at run time (database unreachable, delivery setup);
//! 2 bad configuration or usage (or an unreadable anchor file); 3 `audit verify` found
//! the chain broken or shorter than its anchor, or `applications verify-parts` found an
//! application's view differing from the tables; 4 an audit anchor's signature does not
//! match.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use kabinet_app::ops::{self, TestTarget};
use kabinet_app::{AppError, Ctx, Settings, SystemClock};
use kabinet_store::{Store, StoreOptions, migrate};

use crate::server::{self, StartError};

/// Личный кабинет — a personal account portal for state services.
#[derive(Debug, Parser)]
#[command(name = "kabinet", version, about)]
struct Cli {
    /// A TOML configuration file (KABINET_* environment variables override it).
    #[arg(long, global = true, env = "KABINET_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the pages and the API (and run the delivery worker unless KABINET_WORKER=false).
    Serve,
    /// Run only the delivery worker (for deployments with several nodes).
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Notifications.
    Notify {
        #[command(subcommand)]
        command: NotifyCommand,
    },
    /// Staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The services catalog.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Benchmark data (never against a database with real people).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Erase closed accounts past `privacy.retention_days` and old delivered messages
    /// (run daily, e.g. from cron or a systemd timer).
    Maintenance,
    /// Encryption keys of personal identifiers.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Applications.
    Applications {
        #[command(subcommand)]
        command: ApplicationsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ApplicationsCommand {
    /// Compare the applicant's view kept in each application's row with the tables
    /// (ADR 0008); exit code 3 if any differ. With --repair, rewrite those from the
    /// tables (audited).
    VerifyParts {
        /// Rewrite the ones that differ.
        #[arg(long)]
        repair: bool,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Fill the database with people, applications and signed-in sessions; write
    /// `token application-id` lines for the load generator.
    Seed {
        /// People.
        #[arg(long, default_value_t = 100_000)]
        users: usize,
        /// Applications per person.
        #[arg(long, default_value_t = 10)]
        per_user: usize,
        /// Signed-in sessions (the first people).
        #[arg(long, default_value_t = 200)]
        sessions: usize,
        /// Applications of each signed-in person.
        #[arg(long, default_value_t = 300)]
        heavy: usize,
        /// Where to write the targets.
        #[arg(long, default_value = "bench-targets.txt")]
        targets: std::path::PathBuf,
    },
    /// Send one `news` broadcast to everyone in this database and process it in this
    /// process: notifications per second into the inbox, the process's peak memory;
    /// with `--deliver`, then e-mails per second to the configured SMTP server.
    Broadcast {
        /// Turn e-mail for news on for everyone first.
        #[arg(long)]
        news_email: bool,
        /// Deliver the outbox afterwards and measure e-mails per second.
        #[arg(long)]
        deliver: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// Check and import every service definition (*.toml) of a directory; all or
    /// nothing (exit code 2 and file:line: message for each problem).
    Import {
        /// The directory, e.g. ./catalog.
        dir: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Print a new key line `ID=base64` to append to the key list (the last key is current).
    Generate {
        /// The new key's id, e.g. k2.
        #[arg(long)]
        id: String,
    },
    /// Re-encrypt every identifier sealed under an older key with the current key.
    Rotate,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the hash chain and report the first broken entry (exit code 3 if any).
    Verify {
        /// Also check that the chain still holds the entry of this anchor (written by
        /// `audit anchor`) with the same hash, and at least as many entries (exit code
        /// 3 if not, 4 if the anchor's signature does not match).
        #[arg(long)]
        anchor: Option<PathBuf>,
    },
    /// Print a signed checkpoint of the chain (entries, the newest entry's number and
    /// hash, the time) as one line, or write it to a file; keep it outside the
    /// database.
    Anchor {
        /// Write the anchor to this file instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum NotifyCommand {
    /// Queue a test message through the real delivery path.
    Test(TestArgs),
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct TestArgs {
    /// Send a test e-mail to this address.
    #[arg(long)]
    email: Option<String>,
    /// Send a test SMS to this phone number.
    #[arg(long)]
    phone: Option<String>,
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Create a staff account; prints a one-time password as the last line.
    Create {
        /// The staff member's e-mail (their login).
        #[arg(long)]
        email: String,
        /// operator, supervisor, auditor or admin.
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (secrets redacted) and exit.
    Show,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref(), std::env::vars()) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("kabinet: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = crate::logging::init(&settings) {
        eprintln!("kabinet: configuration error: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kabinet: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli.command, settings))
}

fn fail(e: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("kabinet: {e}");
    ExitCode::from(code)
}

pub(crate) fn start_failure(e: StartError) -> ExitCode {
    let code = if matches!(e, StartError::Config(_)) {
        2
    } else {
        1
    };
    fail(e, code)
}

async fn run(command: Command, settings: Arc<Settings>) -> ExitCode {
    match command {
        Command::Serve => crate::run::serve(settings).await,
        Command::Worker => crate::run::worker(settings).await,
        Command::Migrate => {
            let store =
                match Store::connect(settings.database_url(), &StoreOptions::default()).await {
                    Ok(s) => s,
                    Err(e) => return fail(e, 1),
                };
            match migrate::run(&store).await {
                Ok(report) if report.applied.is_empty() => {
                    println!(
                        "The database at {} is up to date.",
                        settings.database_target()
                    );
                    ExitCode::SUCCESS
                }
                Ok(report) => {
                    println!(
                        "Applied migrations {:?} to {}.",
                        report.applied,
                        settings.database_target()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e, 1),
            }
        }
        Command::Audit {
            command: AuditCommand::Verify { anchor },
        } => crate::audit_cmd::verify(settings, anchor.as_deref()).await,
        Command::Audit {
            command: AuditCommand::Anchor { out },
        } => crate::audit_cmd::anchor(settings, out.as_deref()).await,
        Command::Notify {
            command: NotifyCommand::Test(args),
        } => {
            let app = match server::open(settings, Arc::new(SystemClock)).await {
                Ok(app) => app,
                Err(e) => return start_failure(e),
            };
            let target = match (args.email, args.phone) {
                (Some(email), _) => TestTarget::Email(email),
                (None, Some(phone)) => TestTarget::Phone(phone),
                (None, None) => return fail("give --email or --phone", 2),
            };
            match ops::send_test_message(&app, &Ctx::cli(), target).await {
                Ok(id) => {
                    println!("Queued test message {id}; the worker delivers it.");
                    ExitCode::SUCCESS
                }
                Err(AppError::Validation(fields)) => fail(
                    format!(
                        "invalid input: {}",
                        fields
                            .iter()
                            .map(|f| format!("{} ({})", f.field, f.key))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    2,
                ),
                Err(e) => fail(e, 1),
            }
        }
        Command::Staff {
            command: StaffCommand::Create { email, role },
        } => {
            let app = match server::open(settings, Arc::new(SystemClock)).await {
                Ok(app) => app,
                Err(e) => return start_failure(e),
            };
            match kabinet_app::staff::create_staff(&app, &Ctx::cli(), &email, &role).await {
                Ok(staff) => {
                    println!(
                        "Staff account {} created for {email} with the role {role}.",
                        staff.account_id
                    );
                    println!(
                        "Sign in with this one-time password; kabinet asks for a new one, then for an authenticator app:"
                    );
                    println!("{}", staff.one_time_password);
                    ExitCode::SUCCESS
                }
                Err(AppError::Validation(fields)) => fail(
                    format!(
                        "invalid input: {}",
                        fields
                            .iter()
                            .map(|f| format!("{} ({})", f.field, app.i18n.t(f.key)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    2,
                ),
                Err(AppError::Conflict(_)) => fail(format!("{email} already has an account"), 1),
                Err(e) => fail(e, 1),
            }
        }
        Command::Keys {
            command: KeysCommand::Generate { id },
        } => {
            if id == kabinet_app::crypto::INDEX_KEY_ID
                || id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return fail("the id must be letters, digits, - or _, and not `index`", 2);
            }
            match kabinet_app::crypto::new_key_line(&id) {
                Ok(line) => {
                    println!("{line}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e, 1),
            }
        }
        Command::Catalog {
            command: CatalogCommand::Import { dir },
        } => {
            let app = match server::open(settings, Arc::new(SystemClock)).await {
                Ok(app) => app,
                Err(e) => return start_failure(e),
            };
            match kabinet_app::catalog::import_dir(&app, &Ctx::cli(), &dir).await {
                Ok(done) => {
                    println!(
                        "Imported {} services ({} new versions), {} calendar days.",
                        done.services, done.new_versions, done.calendar_days
                    );
                    ExitCode::SUCCESS
                }
                Err(Ok(errors)) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    fail(
                        kabinet_app::catalog::problems_summary(&app.i18n, errors.len()),
                        2,
                    )
                }
                Err(Err(e)) => fail(e, 1),
            }
        }
        Command::Bench {
            command:
                BenchCommand::Seed {
                    users,
                    per_user,
                    sessions,
                    heavy,
                    targets,
                },
        } => {
            let app = match server::open(settings, Arc::new(SystemClock)).await {
                Ok(app) => app,
                Err(e) => return start_failure(e),
            };
            let started = std::time::Instant::now();
            match kabinet_app::seed::seed(&app, users, per_user, sessions, heavy, &targets).await {
                Ok(done) => {
                    println!(
                        "Seeded {} people, {} applications, {} sessions in {:.1} s; targets in {}.",
                        done.users,
                        done.applications,
                        done.sessions,
                        started.elapsed().as_secs_f64(),
                        targets.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e, 1),
            }
        }
        Command::Bench {
            command:
                BenchCommand::Broadcast {
                    news_email,
                    deliver,
                },
        } => {
            let app = match server::open(settings.clone(), Arc::new(SystemClock)).await {
                Ok(app) => app,
                Err(e) => return start_failure(e),
            };
            match crate::bench_cmd::bench_broadcast(&app, &settings, news_email, deliver).await {
                Ok(report) => {
                    println!("{report}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e, 1),
            }
        }
        Command::Maintenance => {
            let app = match server::open(settings, Arc::new(SystemClock)).await {
                Ok(app) => app,
                Err(e) => return start_failure(e),
            };
            match kabinet_app::privacy::maintenance(&app).await {
                Ok(done) => {
                    println!(
                        "Erased {} closed accounts; deleted {} old delivered messages.",
                        done.erased, done.messages_pruned
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e, 1),
            }
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let app = match server::open(settings, Arc::new(SystemClock)).await {
                Ok(app) => app,
                Err(e) => return start_failure(e),
            };
            match kabinet_app::profile::rotate_keys(&app).await {
                Ok(n) => {
                    println!(
                        "Re-encrypted with the key {}: {} profiles, {} change requests, {} applications, {} files, {} organisation records.",
                        app.keys.current_id(),
                        n.profiles,
                        n.change_requests,
                        n.applications,
                        n.files,
                        n.organizations
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e, 1),
            }
        }
        Command::Applications {
            command: ApplicationsCommand::VerifyParts { repair },
        } => {
            let app = match server::open(settings, Arc::new(SystemClock)).await {
                Ok(app) => app,
                Err(e) => return start_failure(e),
            };
            match kabinet_app::applications::verify_parts(&app, &Ctx::cli(), repair).await {
                Ok(report) => {
                    for id in &report.differing {
                        println!("differs: application {id}");
                    }
                    println!(
                        "Checked {} applications: {} differed from the tables{}.",
                        report.checked,
                        report.differing.len(),
                        if repair && !report.differing.is_empty() {
                            " and were rewritten"
                        } else {
                            ""
                        }
                    );
                    if report.differing.is_empty() || repair {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(3)
                    }
                }
                Err(e) => fail(e, 1),
            }
        }
        Command::Config {
            command: ConfigCommand::Show,
        } => {
            println!("{settings:#?}");
            ExitCode::SUCCESS
        }
    }
}
