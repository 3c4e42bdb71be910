//! Public-API tests: RFC 6962 known answers, proof round trips against the
//! naive definition, and audit scenarios.

// Test helpers outside `#[test]` functions unwrap too; this file is all tests.
#![allow(clippy::unwrap_used)]

use gateway_translog::audit::{AuditError, LogAuditor};
use gateway_translog::sth::SthError;
use gateway_translog::verify::root_from_inclusion_proof;
use gateway_translog::{
    Hash, MerkleTree, ProofError, SignedTreeHead, TreeHead, TreeHeadSigner, TreeHeadVerifier,
    empty_root, leaf_hash, node_hash, root_from_leaves, verify_consistency, verify_inclusion,
    verify_log,
};
use proptest::prelude::*;

fn h(hex: &str) -> Hash {
    Hash::from_hex(hex).unwrap()
}

fn distinct_leaves(n: usize) -> Vec<Hash> {
    (0..n as u64).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

// ---------------------------------------------------------------------------
// The RFC 6962 definitions, written out naively from §2.1.1 and §2.1.2, to
// check that MerkleTree's proofs are exactly the RFC's (not merely proofs
// that happen to verify).
// ---------------------------------------------------------------------------

fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// PATH(m, D[n]).
fn naive_path(m: usize, d: &[Hash]) -> Vec<Hash> {
    if d.len() <= 1 {
        return Vec::new();
    }
    let k = split(d.len());
    if m < k {
        let mut p = naive_path(m, &d[..k]);
        p.push(root_from_leaves(&d[k..]));
        p
    } else {
        let mut p = naive_path(m - k, &d[k..]);
        p.push(root_from_leaves(&d[..k]));
        p
    }
}

/// SUBPROOF(m, D[n], b).
fn naive_subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    if m == d.len() {
        return if b {
            Vec::new()
        } else {
            vec![root_from_leaves(d)]
        };
    }
    let k = split(d.len());
    if m <= k {
        let mut p = naive_subproof(m, &d[..k], b);
        p.push(root_from_leaves(&d[k..]));
        p
    } else {
        let mut p = naive_subproof(m - k, &d[k..], false);
        p.push(root_from_leaves(&d[..k]));
        p
    }
}

// ---------------------------------------------------------------------------
// Known answers. Leaves, roots and proofs are the RFC 6962 test data of the
// Certificate Transparency reference implementation as published in
// transparency-dev/merkle (proof/verify_test.go; its leaf numbers are 1-based,
// converted to 0-based indices here).
// ---------------------------------------------------------------------------

fn ct_entries() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|x| hex::decode(x).unwrap())
    .collect()
}

const CT_ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (index, tree size, proof)
fn ct_inclusion() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (
            0,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            5,
            8,
            vec![
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            3,
            vec![h(
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            )],
        ),
        (
            1,
            5,
            vec![
                h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
    ]
}

/// (old size, new size, proof)
fn ct_consistency() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            5,
            vec![
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
        (
            6,
            7,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
    ]
}

fn ct_tree() -> (Vec<Hash>, MerkleTree) {
    let leaves: Vec<Hash> = ct_entries().iter().map(|e| leaf_hash(e)).collect();
    let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
    (leaves, tree)
}

#[test]
fn known_answer_roots() {
    let (leaves, tree) = ct_tree();
    assert_eq!(empty_root(), h(CT_ROOTS[0]));
    for (size, want) in CT_ROOTS.iter().enumerate() {
        let want = h(want);
        assert_eq!(
            root_from_leaves(&leaves[..size]),
            want,
            "naive, size {size}"
        );
        assert_eq!(
            tree.root_at(size as u64).unwrap(),
            want,
            "tree, size {size}"
        );
    }
    assert_eq!(tree.root(), h(CT_ROOTS[8]));
}

#[test]
fn known_answer_inclusion_proofs() {
    let (leaves, tree) = ct_tree();
    for (index, size, proof) in ct_inclusion() {
        assert_eq!(
            tree.inclusion_proof(index, size).unwrap(),
            proof,
            "{index}/{size}"
        );
        let root = h(CT_ROOTS[size as usize]);
        verify_inclusion(&leaves[index as usize], index, size, &proof, &root).unwrap();
    }
}

#[test]
fn known_answer_consistency_proofs() {
    let (_, tree) = ct_tree();
    for (old, new, proof) in ct_consistency() {
        assert_eq!(
            tree.consistency_proof(old, new).unwrap(),
            proof,
            "{old}->{new}"
        );
        let (old_root, new_root) = (h(CT_ROOTS[old as usize]), h(CT_ROOTS[new as usize]));
        verify_consistency(old, new, &old_root, &new_root, &proof).unwrap();
    }
}

#[test]
fn known_answer_corruptions_fail() {
    // The corruption probes of the reference tests, on the known proofs.
    let (leaves, _) = ct_tree();
    for (index, size, proof) in ct_inclusion() {
        let root = h(CT_ROOTS[size as usize]);
        let leaf = leaves[index as usize];
        let bad = |i: u64, s: u64, l: &Hash, p: &[Hash], r: &Hash| {
            assert!(verify_inclusion(l, i, s, p, r).is_err(), "{i}/{s} {p:?}");
        };
        bad(index.wrapping_sub(1), size, &leaf, &proof, &root);
        bad(index + 1, size, &leaf, &proof, &root);
        bad(index ^ 2, size, &leaf, &proof, &root);
        bad(index, size * 2, &leaf, &proof, &root);
        bad(index, size / 2, &leaf, &proof, &root);
        bad(index, size, &leaf_hash(b"WrongLeaf"), &proof, &root);
        bad(index, size, &leaf, &proof, &empty_root());
        let mut longer = proof.clone();
        longer.push(root);
        bad(index, size, &leaf, &longer, &root);
        let mut longer = vec![root];
        longer.extend_from_slice(&proof);
        bad(index, size, &leaf, &longer, &root);
        bad(index, size, &leaf, &proof[..proof.len() - 1], &root);
    }
    for (old, new, proof) in ct_consistency() {
        if proof.is_empty() {
            continue;
        }
        let (r1, r2) = (h(CT_ROOTS[old as usize]), h(CT_ROOTS[new as usize]));
        let bad = |m: u64, n: u64, a: &Hash, b: &Hash, p: &[Hash]| {
            assert!(verify_consistency(m, n, a, b, p).is_err(), "{m}->{n} {p:?}");
        };
        bad(old - 1, new, &r1, &r2, &proof);
        bad(old + 1, new, &r1, &r2, &proof);
        bad(old ^ 2, new, &r1, &r2, &proof);
        bad(old, new * 2, &r1, &r2, &proof);
        bad(old, new / 2, &r1, &r2, &proof);
        bad(old, new, &r2, &r1, &proof);
        bad(old, new, &r1, &r2, &[]);
        bad(old, new, &r1, &r2, &proof[..proof.len() - 1]);
        let mut longer = proof.clone();
        longer.push(r1);
        bad(old, new, &r1, &r2, &longer);
        let mut longer = vec![proof[0]];
        longer.extend_from_slice(&proof);
        bad(old, new, &r1, &r2, &longer);
    }
}

#[test]
fn trivial_consistency_cases() {
    let r = leaf_hash(b"x");
    verify_consistency(0, 0, &empty_root(), &empty_root(), &[]).unwrap();
    verify_consistency(0, 5, &empty_root(), &r, &[]).unwrap();
    verify_consistency(3, 3, &r, &r, &[]).unwrap();
    assert_eq!(
        verify_consistency(0, 5, &r, &r, &[]),
        Err(ProofError::OldRootMismatch)
    );
    assert_eq!(
        verify_consistency(3, 3, &r, &empty_root(), &[]),
        Err(ProofError::RootMismatch)
    );
    assert_eq!(
        verify_consistency(3, 3, &r, &r, &[r]),
        Err(ProofError::WrongProofLength)
    );
    assert_eq!(
        verify_consistency(0, 1, &empty_root(), &r, &[r]),
        Err(ProofError::WrongProofLength)
    );
    assert!(matches!(
        verify_consistency(4, 3, &r, &r, &[]),
        Err(ProofError::SizesOutOfOrder { .. })
    ));
    assert_eq!(
        verify_consistency(1, 2, &r, &r, &[]),
        Err(ProofError::WrongProofLength)
    );
}

#[test]
fn extreme_inputs_do_not_panic() {
    let r = leaf_hash(b"x");
    let long: Vec<Hash> = vec![r; 200];
    for (i, s) in [
        (0, 0),
        (0, 1),
        (u64::MAX, u64::MAX),
        (u64::MAX - 1, u64::MAX),
        (0, u64::MAX),
        (1 << 63, u64::MAX),
    ] {
        for p in [&[][..], &long[..1], &long[..64], &long[..]] {
            let _ = verify_inclusion(&r, i, s, p, &r);
            let _ = root_from_inclusion_proof(&r, i, s, p);
        }
    }
    for (m, n) in [
        (1, u64::MAX),
        (u64::MAX - 1, u64::MAX),
        (u64::MAX, u64::MAX),
        ((1 << 63) + 1, u64::MAX),
        (1 << 63, u64::MAX),
        (u64::MAX, 0),
    ] {
        for p in [&[][..], &long[..1], &long[..64], &long[..]] {
            let _ = verify_consistency(m, n, &r, &r, p);
        }
    }
    assert_eq!(
        verify_inclusion(&r, 0, 1, &[], &r),
        Ok(()),
        "one leaf: the leaf is the root"
    );
    assert!(verify_inclusion(&r, 0, 1, &long[..1], &r).is_err());
    let tree = MerkleTree::from_leaf_hashes(distinct_leaves(3));
    for (i, s) in [(0, u64::MAX), (u64::MAX, 3), (3, 3)] {
        assert!(tree.inclusion_proof(i, s).is_err());
    }
    for (m, n) in [(0, u64::MAX), (u64::MAX, 3), (u64::MAX, u64::MAX)] {
        assert!(tree.consistency_proof(m, n).is_err());
    }
    assert!(tree.root_at(u64::MAX).is_err());
}

// ---------------------------------------------------------------------------
// Property tests: random trees of up to 300 leaves.
// ---------------------------------------------------------------------------

fn flip(proof: &[Hash], which: usize, bit: usize) -> Vec<Hash> {
    let mut p = proof.to_vec();
    let i = which % p.len();
    p[i].0[(bit / 8) % 32] ^= 1 << (bit % 8);
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn inclusion_round_trip(
        n in 1usize..=300,
        picks in prop::collection::vec((any::<u64>(), any::<u64>(), any::<usize>(), 0usize..256), 1..12),
    ) {
        let leaves = distinct_leaves(n);
        let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
        for (a, b, which, bit) in picks {
            let size = (a % n as u64) + 1;
            let index = b % size;
            let prefix = &leaves[..size as usize];
            let root = root_from_leaves(prefix);
            prop_assert_eq!(tree.root_at(size).unwrap(), root);
            let proof = tree.inclusion_proof(index, size).unwrap();
            prop_assert_eq!(&proof, &naive_path(index as usize, prefix));
            let leaf = leaves[index as usize];
            prop_assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));

            // Any flipped bit in the proof.
            if !proof.is_empty() {
                let bad = flip(&proof, which, bit);
                prop_assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
            }
            // A flipped bit in the leaf or the root.
            let mut bad_leaf = leaf;
            bad_leaf.0[bit / 8 % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_inclusion(&bad_leaf, index, size, &proof, &root).is_err());
            let mut bad_root = root;
            bad_root.0[bit / 8 % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &bad_root).is_err());
            // Every wrong index in this tree.
            for other in 0..size {
                if other != index {
                    prop_assert!(verify_inclusion(&leaf, other, size, &proof, &root).is_err());
                }
            }
            // Every other size, with that size's root (what a verifier holding
            // a different signed head would use).
            for other in 1..=n as u64 {
                if other != size {
                    let other_root = tree.root_at(other).unwrap();
                    prop_assert!(verify_inclusion(&leaf, index, other, &proof, &other_root).is_err());
                }
            }
            // A missing or extra element.
            if !proof.is_empty() {
                prop_assert!(verify_inclusion(&leaf, index, size, &proof[1..], &root).is_err());
                prop_assert!(verify_inclusion(&leaf, index, size, &proof[..proof.len() - 1], &root).is_err());
            }
            let mut longer = proof.clone();
            longer.push(root);
            prop_assert!(verify_inclusion(&leaf, index, size, &longer, &root).is_err());
        }
    }

    #[test]
    fn consistency_round_trip(
        n in 1usize..=300,
        picks in prop::collection::vec((any::<u64>(), any::<u64>(), any::<usize>(), 0usize..256), 1..12),
    ) {
        let leaves = distinct_leaves(n);
        let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied());
        for (a, b, which, bit) in picks {
            let new = (a % n as u64) + 1;
            let old = b % (new + 1);
            let (old_root, new_root) = (
                root_from_leaves(&leaves[..old as usize]),
                root_from_leaves(&leaves[..new as usize]),
            );
            let proof = tree.consistency_proof(old, new).unwrap();
            if old > 0 && old < new {
                prop_assert_eq!(&proof, &naive_subproof(old as usize, &leaves[..new as usize], true));
            } else {
                prop_assert!(proof.is_empty());
            }
            prop_assert_eq!(verify_consistency(old, new, &old_root, &new_root, &proof), Ok(()));

            if !proof.is_empty() {
                let bad = flip(&proof, which, bit);
                prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
                prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof[1..]).is_err());
                prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof[..proof.len() - 1]).is_err());
                prop_assert!(verify_consistency(old, new, &new_root, &old_root, &proof).is_err());
            }
            let mut longer = proof.clone();
            longer.push(new_root);
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &longer).is_err());
            let mut bad_root = old_root;
            bad_root.0[bit / 8 % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_consistency(old, new, &bad_root, &new_root, &proof).is_err());
            // The empty tree is a prefix of every tree: with old = 0 there is
            // nothing to bind the new root or size to, by definition.
            if old > 0 {
                let mut bad_root = new_root;
                bad_root.0[bit / 8 % 32] ^= 1 << (bit % 8);
                prop_assert!(verify_consistency(old, new, &old_root, &bad_root, &proof).is_err());
            }
            for other in 0..=n as u64 {
                if other != old && other <= new {
                    // A wrong old size with the old root the proof was made
                    // for: the claim "old_root has `other` leaves" is false.
                    prop_assert!(verify_consistency(other, new, &old_root, &new_root, &proof).is_err());
                    // A wrong old size with that size's own root (a verifier
                    // holding a different old head). An empty proof is
                    // rightly valid for the trivial cases 0->new and new->new.
                    let trivial = proof.is_empty() && (other == 0 || other == new);
                    let other_root = tree.root_at(other).unwrap();
                    if !trivial {
                        prop_assert!(verify_consistency(other, new, &other_root, &new_root, &proof).is_err());
                    }
                }
                if other != new && other >= old && old > 0 {
                    // A wrong new size with that size's own root. (With the
                    // original new root a wrong new size can verify when the
                    // proof's shape is the same, e.g. 1->7 and 1->8, exactly
                    // as for inclusion proofs: RFC 9162 binds the size through
                    // the signed head, which is why size and root must come
                    // from one head.)
                    let other_root = tree.root_at(other).unwrap();
                    prop_assert!(verify_consistency(old, other, &old_root, &other_root, &proof).is_err());
                }
            }
        }
    }

    #[test]
    fn append_one_at_a_time_matches_rebuild(n in 0usize..=300) {
        let leaves = distinct_leaves(n);
        let mut tree = MerkleTree::new();
        for (i, leaf) in leaves.iter().enumerate() {
            prop_assert_eq!(tree.append(*leaf), i as u64);
            prop_assert_eq!(tree.root(), root_from_leaves(&leaves[..=i]));
        }
        prop_assert_eq!(tree.len(), n as u64);
    }
}

// ---------------------------------------------------------------------------
// Audit scenarios.
// ---------------------------------------------------------------------------

struct Log {
    entries: Vec<(u64, Vec<u8>, Hash)>,
    heads: Vec<SignedTreeHead>,
    signer: TreeHeadSigner,
}

const HEAD_SIZES: [u64; 5] = [5, 13, 21, 34, 40];

fn signer() -> TreeHeadSigner {
    TreeHeadSigner::from_pkcs8(&TreeHeadSigner::generate_pkcs8().unwrap()).unwrap()
}

fn entry_bytes(i: u64) -> Vec<u8> {
    format!("{{\"disclosure\":{i},\"to\":\"agency-{}\"}}", i % 7).into_bytes()
}

/// 40 entries, heads signed at sizes 5, 13, 21, 34 and 40.
fn log() -> Log {
    let signer = signer();
    let mut entries = Vec::new();
    let mut tree = MerkleTree::new();
    let mut heads = Vec::new();
    for i in 0..40u64 {
        let bytes = entry_bytes(i);
        let lh = leaf_hash(&bytes);
        tree.append(lh);
        entries.push((i, bytes, lh));
        if HEAD_SIZES.contains(&tree.len()) {
            heads.push(signer.sign(&TreeHead {
                tree_size: tree.len(),
                root_hash: tree.root(),
                timestamp_ms: 1_767_225_600_000 + i,
            }));
        }
    }
    Log {
        entries,
        heads,
        signer,
    }
}

impl Log {
    fn audit(&self) -> Result<gateway_translog::LogReport, AuditError> {
        verify_log(
            self.entries.iter().map(|(i, b, h)| (*i, b.as_slice(), *h)),
            &self.heads,
            &self.signer.verifier(),
        )
    }

    fn renumber(&mut self) {
        for (i, e) in self.entries.iter_mut().enumerate() {
            e.0 = i as u64;
        }
    }
}

#[test]
fn untouched_log_verifies() {
    let log = log();
    let report = log.audit().unwrap();
    assert_eq!(report.entries, 40);
    assert_eq!(report.heads_checked, 5);
    assert_eq!(report.latest_head.as_ref().unwrap().head.tree_size, 40);
    assert_eq!(report.uncovered_entries(), 0);
    let leaves: Vec<Hash> = log.entries.iter().map(|e| e.2).collect();
    assert_eq!(report.root, root_from_leaves(&leaves));

    // Heads in any order, owned entry bytes.
    let mut reversed = log.heads.clone();
    reversed.reverse();
    let report2 = verify_log(log.entries.clone(), &reversed, &log.signer.verifier()).unwrap();
    assert_eq!(report2, report);
}

#[test]
fn empty_log() {
    let v = signer().verifier();
    let report = verify_log(Vec::<(u64, Vec<u8>, Hash)>::new(), &[], &v).unwrap();
    assert_eq!(report.entries, 0);
    assert_eq!(report.heads_checked, 0);
    assert_eq!(report.latest_head, None);
    assert_eq!(report.root, empty_root());

    let s = signer();
    let zero = s.sign(&TreeHead {
        tree_size: 0,
        root_hash: empty_root(),
        timestamp_ms: 1,
    });
    let report = verify_log(Vec::<(u64, Vec<u8>, Hash)>::new(), &[zero], &s.verifier()).unwrap();
    assert_eq!(report.heads_checked, 1);
}

#[test]
fn changed_byte_is_located_exactly() {
    let mut log = log();
    log.entries[17].1[3] ^= 0x01;
    assert_eq!(log.audit(), Err(AuditError::LeafMismatch { index: 17 }));
}

#[test]
fn changed_byte_with_recomputed_leaf_hash_is_located_to_a_head_interval() {
    let mut log = log();
    log.entries[17].1[3] ^= 0x01;
    log.entries[17].2 = leaf_hash(&log.entries[17].1);
    // Heads 5 and 13 still match; 21 does not: the change is in 13..21.
    assert_eq!(
        log.audit(),
        Err(AuditError::HeadMismatch {
            tree_size: 21,
            first_bad_index: 13
        })
    );
}

#[test]
fn removed_entry_is_missing() {
    let mut log = log();
    log.entries.remove(17);
    assert_eq!(log.audit(), Err(AuditError::Missing { index: 17 }));
}

#[test]
fn removed_entry_with_renumbering_shows_at_the_next_head() {
    let mut log = log();
    log.entries.remove(17);
    log.renumber();
    assert_eq!(
        log.audit(),
        Err(AuditError::HeadMismatch {
            tree_size: 21,
            first_bad_index: 13
        })
    );
}

#[test]
fn swapped_entries_show_at_the_next_head() {
    let mut log = log();
    // Swap the contents (bytes and leaf hashes) of rows 15 and 18; the index
    // column stays in order, so every row is self-consistent.
    let (a, b) = (log.entries[15].clone(), log.entries[18].clone());
    log.entries[15] = (15, b.1, b.2);
    log.entries[18] = (18, a.1, a.2);
    assert_eq!(
        log.audit(),
        Err(AuditError::HeadMismatch {
            tree_size: 21,
            first_bad_index: 13
        })
    );
}

#[test]
fn swapped_entries_before_the_first_head() {
    let mut log = log();
    log.entries.swap(1, 3);
    log.renumber();
    assert_eq!(
        log.audit(),
        Err(AuditError::HeadMismatch {
            tree_size: 5,
            first_bad_index: 0
        })
    );
}

#[test]
fn out_of_order_and_duplicate_indices() {
    let mut log = log();
    log.entries.swap(15, 18);
    // Row order 14, 18, ...: index 15 is not where it should be.
    assert_eq!(log.audit(), Err(AuditError::Missing { index: 15 }));

    let mut log = self::log();
    let dup = log.entries[9].clone();
    log.entries.insert(10, dup);
    assert_eq!(
        log.audit(),
        Err(AuditError::OutOfOrder {
            index: 9,
            expected: 10
        })
    );
}

#[test]
fn inserted_forged_entry_shows_at_the_next_head() {
    let mut log = log();
    let forged = b"{\"disclosure\":999,\"to\":\"nobody\"}".to_vec();
    let lh = leaf_hash(&forged);
    log.entries.insert(25, (25, forged, lh));
    log.renumber();
    assert_eq!(
        log.audit(),
        Err(AuditError::HeadMismatch {
            tree_size: 34,
            first_bad_index: 21
        })
    );
}

#[test]
fn truncated_log() {
    let mut log = log();
    log.entries.truncate(37);
    assert_eq!(
        log.audit(),
        Err(AuditError::Truncated {
            tree_size: 40,
            entries: 37,
            first_bad_index: 34
        })
    );
}

#[test]
fn forged_entry_after_the_last_head_with_a_head_from_another_key() {
    let mut log = log();
    let forged = b"{\"disclosure\":40,\"to\":\"forger\"}".to_vec();
    let lh = leaf_hash(&forged);
    log.entries.push((40, forged, lh));

    // Without a new head, the tail is well-formed but uncovered.
    let report = log.audit().unwrap();
    assert_eq!(report.entries, 41);
    assert_eq!(report.uncovered_entries(), 1);

    // A head over it signed by a different key is rejected by key id...
    let leaves: Vec<Hash> = log.entries.iter().map(|e| e.2).collect();
    let forged_head = TreeHead {
        tree_size: 41,
        root_hash: root_from_leaves(&leaves),
        timestamp_ms: 1_767_225_700_000,
    };
    let forger = signer();
    log.heads.push(forger.sign(&forged_head));
    let err = log.audit().unwrap_err();
    assert!(
        matches!(
            err,
            AuditError::BadHeadSignature {
                tree_size: 41,
                source: SthError::KeyIdMismatch { .. }
            }
        ),
        "{err:?}"
    );

    // ...and, relabelled with the log's key id, by signature.
    log.heads.last_mut().unwrap().key_id = log.signer.key_id();
    assert_eq!(
        log.audit(),
        Err(AuditError::BadHeadSignature {
            tree_size: 41,
            source: SthError::BadSignature
        })
    );
}

#[test]
fn tampered_head_is_rejected() {
    let mut log = log();
    log.heads[2].head.root_hash = leaf_hash(b"other");
    assert_eq!(
        log.audit(),
        Err(AuditError::BadHeadSignature {
            tree_size: 21,
            source: SthError::BadSignature
        })
    );
}

#[test]
fn conflicting_heads_are_told_apart_from_tampered_entries() {
    let mut log = log();
    // The log's own key signs a second, different root for size 21.
    let bogus = log.signer.sign(&TreeHead {
        tree_size: 21,
        root_hash: leaf_hash(b"equivocation"),
        timestamp_ms: 1,
    });
    log.heads.push(bogus.clone());
    assert_eq!(
        log.audit(),
        Err(AuditError::ConflictingHead {
            tree_size: 21,
            vouched_by: 21
        })
    );
    // Without the genuine head of size 21, the next head vouches instead.
    log.heads.retain(|h| h.head.tree_size != 21);
    log.heads.push(bogus);
    assert_eq!(
        log.audit(),
        Err(AuditError::ConflictingHead {
            tree_size: 21,
            vouched_by: 34
        })
    );
}

#[test]
fn a_key_from_pem_audits_the_log() {
    let log = log();
    let pem = log.signer.public_key_pem();
    let v = TreeHeadVerifier::from_public_key_pem(&pem).unwrap();
    let report = verify_log(
        log.entries.iter().map(|(i, b, h)| (*i, b.as_slice(), *h)),
        &log.heads,
        &v,
    )
    .unwrap();
    assert_eq!(report.heads_checked, 5);
}

#[test]
fn auditor_is_incremental_and_sticky() {
    let mut log = log();
    log.entries[3].1[0] ^= 1;
    let v = log.signer.verifier();
    let mut auditor = LogAuditor::new(log.heads.clone(), &v);
    for (i, b, h) in &log.entries[..3] {
        auditor.push(*i, b, h).unwrap();
    }
    assert_eq!(auditor.entries(), 3);
    let (i, b, h) = &log.entries[3];
    assert_eq!(
        auditor.push(*i, b, h),
        Err(AuditError::LeafMismatch { index: 3 })
    );
    let (i, b, h) = &log.entries[4];
    assert_eq!(
        auditor.push(*i, b, h),
        Err(AuditError::LeafMismatch { index: 3 })
    );
    assert_eq!(auditor.finish(), Err(AuditError::LeafMismatch { index: 3 }));
}

#[test]
fn an_earlier_head_mismatch_wins_over_a_later_entry_error() {
    let mut log = log();
    log.entries.swap(15, 16);
    log.renumber();
    log.entries[30].1[0] ^= 1;
    assert_eq!(
        log.audit(),
        Err(AuditError::HeadMismatch {
            tree_size: 21,
            first_bad_index: 13
        })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// For a consistent rewrite at index t (entry and leaf hash changed
    /// together), the audit reports the first head above t, and
    /// first_bad_index is the largest head size at or below t.
    #[test]
    fn audit_locates_rewrites_to_the_head_interval(
        n in 2u64..120,
        head_bits in prop::collection::vec(any::<bool>(), 120),
        t_pick in any::<u64>(),
        swap in any::<bool>(),
    ) {
        let signer = signer();
        let mut entries: Vec<(u64, Vec<u8>, Hash)> = (0..n)
            .map(|i| { let b = entry_bytes(i); let h = leaf_hash(&b); (i, b, h) })
            .collect();
        let mut tree = MerkleTree::new();
        let mut head_sizes = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            tree.append(e.2);
            if head_bits[i] || i as u64 == n - 1 {
                head_sizes.push(tree.len());
            }
        }
        let heads: Vec<SignedTreeHead> = head_sizes
            .iter()
            .map(|&s| signer.sign(&TreeHead { tree_size: s, root_hash: tree.root_at(s).unwrap(), timestamp_ms: s }))
            .collect();

        let t = t_pick % (n - 1);
        if swap {
            let (a, b) = (entries[t as usize].clone(), entries[t as usize + 1].clone());
            entries[t as usize] = (t, b.1, b.2);
            entries[t as usize + 1] = (t + 1, a.1, a.2);
        } else {
            entries[t as usize].1.push(b'!');
            entries[t as usize].2 = leaf_hash(&entries[t as usize].1);
        }
        let want_size = *head_sizes.iter().find(|&&s| s > t).unwrap();
        let want_first = head_sizes.iter().copied().filter(|&s| s <= t).max().unwrap_or(0);
        let got = verify_log(entries, &heads, &signer.verifier());
        prop_assert_eq!(got, Err(AuditError::HeadMismatch { tree_size: want_size, first_bad_index: want_first }));
    }
}

#[test]
fn node_hash_is_exposed_for_receipts() {
    // A two-leaf receipt can be checked by hand with the public functions.
    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    let tree = MerkleTree::from_leaf_hashes([a, b]);
    assert_eq!(tree.root(), node_hash(&a, &b));
    assert_eq!(tree.inclusion_proof(1, 2).unwrap(), vec![a]);
}
