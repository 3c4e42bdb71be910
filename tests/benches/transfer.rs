//! Transfer latency: from the adviser's `POST /v1/transfers/outbound` on Kent's gateway to
//! Kent holding Medway's signed acknowledgement (record marked CohortStatus T), two real
//! gateways on loopback over mutual TLS, durable writes on both sides. A load client, not a
//! criterion bench: each transfer is one-off (a record moves once).
//!
//! cargo bench -p gateway-tests --bench transfer
//!
//! Prints, per backend: sequential latency (p50, p95, max) over 100 transfers, then the
//! rate with 8 advisers sending at once.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use gateway_api::crash::CrashPoint;
use gateway_store::OutboundState;
use gateway_tests::Backend;
use gateway_tests::transfer_pair::{Pair, pair};
use uuid::Uuid;

const SEQUENTIAL: usize = 100;
const CONCURRENT: usize = 8;
const PER_ADVISER: usize = 20;

async fn transfer(pair: &Pair, index: usize) -> Duration {
    let person = &pair.people[index];
    let started = Instant::now();
    let response = pair.start_transfer_of(person).await;
    assert_eq!(response.status, 202, "{:?}", response.body);
    let id: Uuid = response.json()["transfer_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    loop {
        let t = pair
            .exporter
            .store
            .outbound_transfer(id)
            .await
            .unwrap()
            .unwrap();
        if t.state == OutboundState::Acknowledged {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        runtime.block_on(async {
            let pair = pair(backend, CrashPoint::default(), CrashPoint::default()).await;
            let movable: Vec<usize> = (0..pair.people.len())
                .filter(|&i| pair.people[i].cohort_status.is_in_cohort())
                .collect();
            assert!(movable.len() >= SEQUENTIAL + CONCURRENT * PER_ADVISER);
            // Warm up: TLS session set-up paths, prepared statements.
            transfer(&pair, movable[0]).await;
            let mut latencies = Vec::new();
            for &i in &movable[1..=SEQUENTIAL] {
                latencies.push(transfer(&pair, i).await);
            }
            latencies.sort();
            println!(
                "transfer/{backend:?}: sequential n={SEQUENTIAL} p50 {:.1} ms  p95 {:.1} ms  max {:.1} ms",
                percentile(&latencies, 0.5).as_secs_f64() * 1e3,
                percentile(&latencies, 0.95).as_secs_f64() * 1e3,
                latencies.last().unwrap().as_secs_f64() * 1e3,
            );
            let rest = &movable[SEQUENTIAL + 1..];
            let started = Instant::now();
            let pair_ref = &pair;
            let advisers = (0..CONCURRENT).map(|a| async move {
                let mut worst = Duration::ZERO;
                for k in 0..PER_ADVISER {
                    worst = worst.max(transfer(pair_ref, rest[a * PER_ADVISER + k]).await);
                }
                worst
            });
            let worst = futures::future::join_all(advisers)
                .await
                .into_iter()
                .max()
                .unwrap_or_default();
            let total = CONCURRENT * PER_ADVISER;
            println!(
                "transfer/{backend:?}: {CONCURRENT} advisers x {PER_ADVISER}: {:.1} transfers/s, slowest {:.1} ms",
                total as f64 / started.elapsed().as_secs_f64(),
                worst.as_secs_f64() * 1e3
            );
            pair.stop().await;
        });
    }
}
