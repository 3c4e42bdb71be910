//! `gateway keys` with the real binary: keys exist only after the explicit `keys init`, which
//! creates them only for an empty log; a subject access report creates nothing; a rotation
//! is followed by `audit verify` passing with the new key and with the retired one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

/// The binary on the SQLite file `db`, with its keys in `keys`.
fn gateway(db: &Path, keys: &Path) -> Command {
    common::gateway_with_keys(&format!("sqlite://{}", db.display()), keys)
}

/// The output of a command that must succeed.
fn succeeds(command: &mut Command) -> String {
    common::text(&common::succeed(command))
}

/// The output of a command that must fail.
fn fails(command: &mut Command) -> String {
    common::text(&common::fail(command))
}

/// The key folder's file names and contents.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| {
                    let path = e.unwrap().path();
                    let bytes = std::fs::read(&path).unwrap();
                    (path, bytes)
                })
                .collect()
        })
        .unwrap_or_default();
    all.sort();
    all
}

const SUBJECT: &str = "8860000000001";

#[test]
fn keys_come_only_from_keys_init_and_a_rotation_keeps_the_log_verifiable() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("gateway.db");
    let keys = tmp.path().join("keys");
    succeeds(gateway(&db, &keys).arg("migrate"));

    // Before `keys init` nothing makes a key, not even a subject access report.
    let out = fails(gateway(&db, &keys).args(["audit", "export", "--subject", SUBJECT]));
    assert!(out.contains("gateway keys init"), "{out}");
    assert!(!keys.exists(), "no key folder was created");

    let out = succeeds(gateway(&db, &keys).args(["keys", "init"]));
    assert!(out.contains("created") && out.contains("pinned"), "{out}");
    let made = files(&keys);
    assert_eq!(
        made.len(),
        3,
        "signing key, its public key, pseudonym key: {made:?}"
    );
    let out = succeeds(gateway(&db, &keys).args(["keys", "init"]));
    assert!(
        out.contains("present") && out.contains("already pinned"),
        "{out}"
    );
    assert_eq!(files(&keys), made, "a second init changes nothing");

    // A subject access report reads the key and writes nothing.
    let out = succeeds(gateway(&db, &keys).args(["audit", "export", "--subject", SUBJECT]));
    assert!(out.contains("0 entries about this young person"), "{out}");
    assert_eq!(files(&keys), made);

    // With the pseudonym key gone, neither the report nor `keys init` makes a new one: the
    // log is no longer empty (its keys are pinned).
    let pseudonym = keys.join("subject-pseudonym.key");
    let kept = tmp.path().join("pseudonym.kept");
    std::fs::rename(&pseudonym, &kept).unwrap();
    let out = fails(gateway(&db, &keys).args(["audit", "export", "--subject", SUBJECT]));
    assert!(out.contains("no log key"), "{out}");
    let out = fails(gateway(&db, &keys).args(["keys", "init"]));
    assert!(out.contains("will not create keys"), "{out}");
    assert!(!pseudonym.exists());
    // Another key in its place is refused by the report (it would find nobody's entries).
    std::fs::write(&pseudonym, "cd".repeat(32)).unwrap();
    let out = fails(gateway(&db, &keys).args(["audit", "export", "--subject", SUBJECT]));
    assert!(out.contains("pseudonym key does not match"), "{out}");
    std::fs::rename(&kept, &pseudonym).unwrap();

    // Rotation: logged, and `audit verify` passes from the new key and the retired one.
    let old_public = std::fs::read_to_string(keys.join("log-signing.pub.pem")).unwrap();
    let out = succeeds(gateway(&db, &keys).args(["keys", "rotate"]));
    assert!(out.contains("rotated at index 0"), "{out}");
    let new_public = std::fs::read_to_string(keys.join("log-signing.pub.pem")).unwrap();
    assert_ne!(new_public, old_public);
    let out = succeeds(gateway(&db, &keys).args(["audit", "verify"]));
    assert!(out.contains("log verified: 1 entries"), "{out}");
    let retired = files(&keys)
        .into_iter()
        .map(|(path, _)| path)
        .find(|p| p.to_string_lossy().contains("retired-"))
        .expect("the retired public key is kept");
    assert_eq!(std::fs::read_to_string(&retired).unwrap(), old_public);
    let out = succeeds(
        gateway(&db, &keys)
            .args(["audit", "verify", "--public-key"])
            .arg(&retired),
    );
    assert!(out.contains("log verified"), "{out}");
}
