//! Translog benchmarks: appends, proofs at a million leaves, whole-log audit.
//!
//! Quick run (a few seconds per benchmark), from the workspace root:
//! `CARGO_TARGET_DIR=$PWD/target-translog cargo bench -p gateway-translog --bench translog -- --quick`
//! (criterion writes its report under `$CARGO_TARGET_DIR/criterion` relative
//! to this crate's directory, so give an absolute target directory.)

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gateway_translog::{
    Hash, MerkleTree, TreeHead, TreeHeadSigner, leaf_hash, verify_inclusion, verify_log,
};

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

fn append(c: &mut Criterion) {
    let input = leaves(100_000);
    let mut group = c.benchmark_group("append");
    group.throughput(Throughput::Elements(input.len() as u64));
    group.sample_size(10);
    group.bench_function("100k leaves", |b| {
        b.iter(|| {
            let mut tree = MerkleTree::new();
            for leaf in &input {
                tree.append(*leaf);
            }
            black_box(tree.len())
        })
    });
    group.finish();
}

fn proofs(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let tree = MerkleTree::from_leaf_hashes(leaves(N));
    let root = tree.root();
    let mut group = c.benchmark_group("proofs at 1M leaves");
    let mut i = 0u64;
    group.bench_function("inclusion_proof (current size)", |b| {
        b.iter(|| {
            i = (i + 7919) % N;
            black_box(tree.inclusion_proof(i, N))
        })
    });
    // A historical, non-power-of-two size: the right edge is recomputed.
    let old = N - 12_345;
    group.bench_function("inclusion_proof (historical size)", |b| {
        b.iter(|| {
            i = (i + 7919) % old;
            black_box(tree.inclusion_proof(i, old))
        })
    });
    group.bench_function("consistency_proof (historical -> current)", |b| {
        b.iter(|| black_box(tree.consistency_proof(old, N)))
    });
    let proof = tree.inclusion_proof(123_456, N).unwrap_or_default();
    let leaf = tree
        .leaf(123_456)
        .unwrap_or_else(gateway_translog::empty_root);
    group.bench_function("verify_inclusion", |b| {
        b.iter(|| black_box(verify_inclusion(&leaf, 123_456, N, &proof, &root)))
    });
    group.finish();
}

fn audit(c: &mut Criterion) {
    const N: u64 = 100_000;
    // Entries of a realistic size for a disclosure record (~300 bytes).
    let entries: Vec<(u64, Vec<u8>, Hash)> = (0..N)
        .map(|i| {
            let bytes = format!(
                "{{\"index\":{i},\"exchange\":\"yot-eet-status\",\"requester\":\"agency-{}\",\
                 \"subject_token\":\"{}\",\"decision\":\"permit\",\"fields\":[\"eet_status\",\
                 \"activity_code\",\"date_of_last_contact\"],\"purpose\":\"statutory-tracking\"}}",
                i % 97,
                leaf_hash(&i.to_le_bytes())
            )
            .into_bytes();
            let h = leaf_hash(&bytes);
            (i, bytes, h)
        })
        .collect();
    let Ok(pkcs8) = TreeHeadSigner::generate_pkcs8() else {
        return;
    };
    let Ok(signer) = TreeHeadSigner::from_pkcs8(&pkcs8) else {
        return;
    };
    // One signed head per 1,000 entries.
    let mut tree = MerkleTree::new();
    let mut heads = Vec::new();
    for (i, (_, _, h)) in entries.iter().enumerate() {
        tree.append(*h);
        if (i + 1) % 1000 == 0 {
            heads.push(signer.sign(&TreeHead {
                tree_size: tree.len(),
                root_hash: tree.root(),
                timestamp_ms: 1_767_225_600_000 + i as u64,
            }));
        }
    }
    let verifier = signer.verifier();
    let mut group = c.benchmark_group("audit");
    group.throughput(Throughput::Elements(N));
    group.sample_size(10);
    group.bench_function("verify_log 100k entries, 100 heads", |b| {
        b.iter(|| {
            black_box(verify_log(
                entries
                    .iter()
                    .map(|(i, bytes, h)| (*i, bytes.as_slice(), *h)),
                &heads,
                &verifier,
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, append, proofs, audit);
criterion_main!(benches);
