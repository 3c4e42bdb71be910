//! Lookup latency among 1,000,000 synthetic young people, for every match
//! path and for requests that must be refused.
//!
//! `CARGO_BUILD_JOBS=1 cargo bench -p gateway-matching --bench lookup -- --measurement-time 3 --warm-up-time 1`
//!
//! Set `MATCHING_BENCH_PEOPLE` to change the cohort size. Cohort
//! generation, index build time and memory are printed to stderr before
//! the measurements, then for each request set how many were answered
//! uniquely and the latency percentiles of single lookups (p50, p99, max,
//! each request of the set timed on its own, 20 rounds), then criterion's
//! mean per lookup.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gateway_domain::{LaCode, Postcode, SubjectRef, YoungPerson, synthetic};
use gateway_matching::{IndexEntry, MatchRequest, SubjectIndex};
use time::macros::date;
use time::{Date, Month};

/// Resident set size in bytes, from /proc (Linux); 0 elsewhere.
fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// One insertion, deletion, substitution or transposition, deterministic.
fn typo(name: &str, salt: usize) -> String {
    let mut c: Vec<char> = name.chars().collect();
    let at = salt % c.len().max(1);
    match salt % 4 {
        0 if c.len() > 4 => {
            c.remove(at);
        }
        1 => c.insert(at, 'x'),
        2 if at + 1 < c.len() && c[at] != c[at + 1] => c.swap(at, at + 1),
        _ => c[at] = if c[at] == 'q' { 'z' } else { 'q' },
    }
    c.into_iter().collect()
}

fn request(
    p: &YoungPerson,
    given: String,
    family: String,
    dob: Date,
    postcode: bool,
) -> MatchRequest {
    MatchRequest::Demographics {
        given_name: given,
        family_name: family,
        date_of_birth: dob,
        postcode: if postcode {
            p.address.postcode().cloned()
        } else {
            None
        },
    }
}

/// The day with one digit changed (03 -> 08 style), if valid.
fn digit_changed(d: Date) -> Option<Date> {
    let day = d.day();
    let new = if day % 10 == 8 {
        day - 1
    } else {
        day / 10 * 10 + 8
    };
    d.replace_day(new).ok()
}

fn transposed(d: Date) -> Option<Date> {
    let m = Month::try_from(d.day()).ok()?;
    (d.day() != u8::from(d.month()))
        .then(|| Date::from_calendar_date(d.year(), m, u8::from(d.month())).ok())
        .flatten()
}

/// The postcode moved to another district of the same area, if the
/// synthetic cohort has one (ME14 -> ME15 ...).
fn other_district(p: &YoungPerson) -> Option<Postcode> {
    let pc = p.address.postcode()?;
    let outward = pc.outward();
    let other = match outward {
        "ME14" => "ME15",
        "ME15" | "ME16" => "ME14",
        "CT1" => "CT2",
        "CT2" => "CT1",
        "TN23" => "TN24",
        "TN24" => "TN23",
        "DA1" => "DA2",
        "DA2" => "DA1",
        "HR1" => "HR2",
        "HR2" | "HR4" => "HR1",
        _ => return None,
    };
    Postcode::parse(&format!("{other}{}", pc.inward())).ok()
}

fn percentiles(index: &SubjectIndex, set: &[MatchRequest]) -> (Duration, Duration, Duration) {
    let mut times: Vec<Duration> = Vec::with_capacity(set.len() * 20);
    for _ in 0..20 {
        for r in set {
            let t = Instant::now();
            black_box(index.find(black_box(r)));
            times.push(t.elapsed());
        }
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99), at(1.0))
}

fn lookups(c: &mut Criterion) {
    let n: usize = std::env::var("MATCHING_BENCH_PEOPLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let today = date!(2025 - 03 - 15);
    let la = LaCode::parse("886").expect("valid LA code");

    let started = Instant::now();
    let generated = synthetic::cohort(1, n, today, la.clone()).count();
    let generate_time = started.elapsed();

    let rss_before = rss_bytes();
    let started = Instant::now();
    let mut index = SubjectIndex::new();
    index.reserve(n);
    let mut sample: Vec<YoungPerson> = Vec::new();
    for (i, p) in synthetic::cohort(1, n, today, la).enumerate() {
        index.insert(IndexEntry::from(&p)).expect("index has room");
        if i % 997 == 0 {
            sample.push(p);
        }
    }
    let build_time = started.elapsed();
    let rss_after = rss_bytes();
    eprintln!(
        "cohort: {generated} people generated in {:.2} s; generate + index in {:.2} s \
         (index alone about {:.2} s)",
        generate_time.as_secs_f64(),
        build_time.as_secs_f64(),
        (build_time.saturating_sub(generate_time)).as_secs_f64()
    );
    eprintln!(
        "memory: RSS grew {:.0} MiB while building; the index's own estimate is {:.0} MiB \
         (+ about {:.0} MiB for CcisId key strings)",
        mib(rss_after.saturating_sub(rss_before)),
        mib(index.heap_size_estimate()),
        mib(index.len() * 64)
    );

    let each = |f: &dyn Fn(usize, &YoungPerson) -> Option<MatchRequest>| -> Vec<MatchRequest> {
        sample
            .iter()
            .enumerate()
            .filter_map(|(i, p)| f(i, p))
            .collect()
    };
    let name = |p: &YoungPerson| (p.given_name.clone(), p.family_name.clone());
    let sets: Vec<(&str, Vec<MatchRequest>)> = vec![
        (
            "identifier_upn",
            each(&|_, p| {
                p.upn
                    .clone()
                    .map(|u| MatchRequest::Identifier(SubjectRef::Upn(u)))
            }),
        ),
        (
            "exact_with_postcode",
            each(&|_, p| {
                let (g, f) = name(p);
                Some(request(p, g, f, p.date_of_birth, true))
            }),
        ),
        (
            "exact_no_postcode",
            each(&|_, p| {
                let (g, f) = name(p);
                Some(request(p, g, f, p.date_of_birth, false))
            }),
        ),
        (
            "family_typo_with_postcode",
            each(&|i, p| {
                let (g, f) = name(p);
                Some(request(p, g, typo(&f, i), p.date_of_birth, true))
            }),
        ),
        (
            "given_typo_no_postcode",
            each(&|i, p| {
                let (g, f) = name(p);
                Some(request(p, typo(&g, i), f, p.date_of_birth, false))
            }),
        ),
        (
            "names_swapped_with_postcode",
            each(&|_, p| {
                let (g, f) = name(p);
                Some(request(p, f, g, p.date_of_birth, true))
            }),
        ),
        (
            "names_swapped_no_postcode",
            each(&|_, p| {
                let (g, f) = name(p);
                Some(request(p, f, g, p.date_of_birth, false))
            }),
        ),
        (
            "typo_in_each_name",
            each(&|i, p| {
                let (g, f) = name(p);
                Some(request(
                    p,
                    typo(&g, i),
                    typo(&f, i + 1),
                    p.date_of_birth,
                    true,
                ))
            }),
        ),
        (
            "two_edits_long_name",
            each(&|i, p| {
                let (g, f) = name(p);
                (g.chars().count() >= 5)
                    .then(|| request(p, typo(&typo(&g, i), i + 2), f, p.date_of_birth, true))
            }),
        ),
        (
            "one_edit_short_name",
            each(&|i, p| {
                let (g, f) = name(p);
                (g.chars().count() < 4).then(|| request(p, typo(&g, i), f, p.date_of_birth, true))
            }),
        ),
        (
            "dob_digit_changed",
            each(&|_, p| {
                let (g, f) = name(p);
                digit_changed(p.date_of_birth).map(|d| request(p, g, f, d, true))
            }),
        ),
        (
            "dob_transposed_with_postcode",
            each(&|_, p| {
                let (g, f) = name(p);
                transposed(p.date_of_birth).map(|d| request(p, g, f, d, true))
            }),
        ),
        (
            "postcode_other_district",
            each(&|_, p| {
                let (g, f) = name(p);
                other_district(p).map(|pc| MatchRequest::Demographics {
                    given_name: g,
                    family_name: f,
                    date_of_birth: p.date_of_birth,
                    postcode: Some(pc),
                })
            }),
        ),
        (
            "refused_unindexed_twin",
            each(&|i, p| {
                let others = ["Zachary", "Beatrix", "Ignatius", "Philippa"];
                Some(request(
                    p,
                    others[i % others.len()].to_owned(),
                    p.family_name.clone(),
                    p.date_of_birth,
                    true,
                ))
            }),
        ),
        (
            "refused_nobody_like_it",
            each(&|_, p| {
                Some(request(
                    p,
                    "Xavierre".into(),
                    "Quennell".into(),
                    p.date_of_birth,
                    true,
                ))
            }),
        ),
    ];

    for (name, set) in &sets {
        let unique = set.iter().filter(|r| index.find(r).is_unique()).count();
        let (p50, p99, max) = percentiles(&index, set);
        eprintln!(
            "{name}: {unique}/{} unique among {n}; single lookups p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            set.len(),
            p50.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6,
            max.as_secs_f64() * 1e6,
        );
    }

    let mut group = c.benchmark_group(format!("lookup_among_{n}"));
    for (name, set) in &sets {
        let mut i = 0usize;
        group.bench_function(*name, |b| {
            b.iter(|| {
                i = (i + 1) % set.len();
                black_box(index.find(black_box(&set[i])))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, lookups);
criterion_main!(benches);
