//! A fresh PostgreSQL database per test, dropped afterwards.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// A database created for one test.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
    dropped: bool,
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

impl PgDatabase {
    /// Creates `kt_<random>` on the server of `admin_url`.
    pub async fn create(admin_url: &str) -> PgDatabase {
        let name = format!("kt_{}", uuid::Uuid::now_v7().simple());
        let mut conn = PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("KABINET_TEST_PG={admin_url}: cannot connect: {e}"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        let _ = conn.close().await;
        PgDatabase {
            admin_url: admin_url.to_owned(),
            url: with_database(admin_url, &name),
            name,
            dropped: false,
        }
    }

    /// The URL of the new database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database (closing connections still open).
    pub async fn drop_database(mut self) {
        drop_db(&self.admin_url, &self.name).await;
        self.dropped = true;
    }
}

async fn drop_db(admin_url: &str, name: &str) {
    if let Ok(mut conn) = PgConnection::connect(admin_url).await {
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
        let _ = conn.close().await;
    }
}

impl Drop for PgDatabase {
    /// A test that panicked did not call `drop_database`: clean up on a thread of its own.
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(drop_db(&admin_url, &name));
            }
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1/test", "kt_1"),
            "postgres://postgres@127.0.0.1/kt_1"
        );
        assert_eq!(
            super::with_database("postgres://u:p@h:5433/test?sslmode=disable", "kt_1"),
            "postgres://u:p@h:5433/kt_1?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://h:5432", "kt_1"),
            "postgres://h:5432/kt_1"
        );
    }
}
