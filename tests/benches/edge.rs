//! Edge throughput: a full mutual-TLS handshake plus one authenticated request, and one
//! authenticated request on a live connection, against the real server on loopback, on
//! SQLite and PostgreSQL.
//!
//! cargo bench -p gateway-tests --bench edge
//!
//! Each iteration also mints a fresh token on the client side (ES256 signing), because
//! every token may be used once; that cost is part of what a partner pays per request.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use gateway_store::AgencyKind;
use gateway_tests::{Backend, spawn_app};

fn edge(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (app, yot) = runtime.block_on(async {
            let app = spawn_app(backend).await;
            let yot = app
                .register("kent-yot", AgencyKind::YouthOffendingTeam)
                .await;
            (app, yot)
        });
        let name = format!("{backend:?}").to_lowercase();
        let mut group = c.benchmark_group(format!("edge/{name}"));
        group.sample_size(30);
        group.bench_function("handshake+request", |b| {
            b.to_async(&runtime).iter(|| async {
                let response = app.whoami(&yot.cert, &yot.token()).await.unwrap();
                assert_eq!(response.status, 200);
            })
        });
        let mut conn = runtime.block_on(app.connect(&yot));
        group.bench_function("request on a live connection", |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let response = conn.get("/v1/whoami", Some(&yot.token())).await.unwrap();
                    assert_eq!(response.status, 200);
                })
            })
        });
        group.bench_function("token mint (client side, for reference)", |b| {
            b.iter(|| yot.token())
        });
        group.finish();
        drop(conn);
        runtime.block_on(app.stop());
    }
}

criterion_group!(benches, edge);
criterion_main!(benches);
