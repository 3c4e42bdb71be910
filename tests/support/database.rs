//! A fresh database per test: a SQLite file in the test's folder, or a new PostgreSQL
//! database created through `GATEWAY_TEST_POSTGRES_URL` (default: the local server).

use std::path::Path;

use sqlx::Connection;
use sqlx::postgres::PgConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDatabase {
    pub url: String,
    admin_url: Option<String>,
    name: String,
}

fn admin_url() -> String {
    std::env::var("GATEWAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The URL of database `name` on the same server as `admin`.
fn url_for(admin: &str, name: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin, None),
    };
    let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

impl TestDatabase {
    pub async fn create(backend: Backend, dir: &Path) -> Self {
        let name = format!("gwtest_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}", dir.join("gateway.db").display()),
                admin_url: None,
                name,
            },
            Backend::Postgres => {
                let admin = admin_url();
                let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is required for these tests (GATEWAY_TEST_POSTGRES_URL): {e}"
                    )
                });
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.ok();
                TestDatabase {
                    url: url_for(&admin, &name),
                    admin_url: Some(admin),
                    name,
                }
            }
        }
    }

    /// Drops a PostgreSQL test database (SQLite files go with the test's folder).
    pub async fn drop_database(self) {
        if let Some(admin) = self.admin_url
            && let Ok(mut conn) = PgConnection::connect(&admin).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await;
        }
    }
}
