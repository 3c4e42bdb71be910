//! Embeds the shipped policy set (`policies/` at the repository root: the schema,
//! `categories.json`, every `*.cedar` file and the cases in `policies/tests/*.json`) in the
//! crate, so the `gateway` binary works from any directory without the repository beside it.
//!
//! It writes `$OUT_DIR/embedded.rs`: one `include_str!` per file, listed by reading the
//! directory, so a new policy or case file is embedded without a code change. Cargo reruns
//! this script when anything under `policies/` changes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let policies = manifest.join("../../policies");
    println!("cargo::rerun-if-changed={}", policies.display());
    let policies = policies
        .canonicalize()
        .unwrap_or_else(|e| panic!("the shipped policy set {}: {e}", policies.display()));

    let mut out = String::new();
    out.push_str("/// The shipped `schema.cedarschema`.\n");
    writeln!(
        out,
        "pub(crate) const SCHEMA: &str = {};",
        include(&policies.join("schema.cedarschema"))
    )
    .expect("writing to a String");
    out.push_str("/// The shipped `categories.json`.\n");
    writeln!(
        out,
        "pub(crate) const CATEGORIES: &str = {};",
        include(&policies.join("categories.json"))
    )
    .expect("writing to a String");
    out.push_str("/// The shipped `*.cedar` files: (file name, contents), sorted by name.\n");
    writeln!(
        out,
        "pub(crate) const POLICIES: &[(&str, &str)] = &[{}];",
        entries(&policies, "cedar")
    )
    .expect("writing to a String");
    out.push_str("/// The shipped cases, `tests/*.json`: (file name, contents), sorted by name.\n");
    writeln!(
        out,
        "pub(crate) const CASES: &[(&str, &str)] = &[{}];",
        entries(&policies.join("tests"), "json")
    )
    .expect("writing to a String");

    let target = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("embedded.rs");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}

/// `include_str!("<absolute path>")`.
fn include(path: &Path) -> String {
    assert!(
        path.is_file(),
        "the shipped policy set lacks {}",
        path.display()
    );
    format!("include_str!({:?})", path.display().to_string())
}

/// `("name", include_str!(..)),` for every regular `*.<extension>` file of `dir`, by name.
fn entries(dir: &Path, extension: &str) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|path| path.is_file() && path.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_else(|| panic!("a file name that is not UTF-8 in {}", dir.display()));
            format!("({name:?}, {}),", include(path))
        })
        .collect()
}
