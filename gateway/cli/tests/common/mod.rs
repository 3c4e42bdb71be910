//! What the CLI tests share: the real binary with a clean environment, and its output.
#![allow(dead_code)] // Each test file uses its own part of this.

use std::path::Path;
use std::process::{Command, Output};

pub const GATEWAY: &str = env!("CARGO_BIN_EXE_gateway");

/// The binary on `database_url`, with no `GATEWAY_*` or `RUST_LOG` setting inherited from
/// the environment, logging as text.
pub fn gateway(database_url: &str) -> Command {
    let mut command = Command::new(GATEWAY);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GATEWAY_") {
            command.env_remove(name);
        }
    }
    command.env_remove("RUST_LOG");
    command.args(["--log-format", "text", "--database-url", database_url]);
    command
}

/// [`gateway`] with the disclosure log's keys in `keys`.
pub fn gateway_with_keys(database_url: &str, keys: &Path) -> Command {
    let mut command = gateway(database_url);
    command.env("GATEWAY_KEYS_DIR", keys);
    command
}

/// Standard output, then standard error.
pub fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs the command, which must succeed.
pub fn succeed(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}",
        output.status,
        text(&output)
    );
    output
}

/// Runs the command, which must fail.
pub fn fail(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        !output.status.success(),
        "{command:?} succeeded:\n{}",
        text(&output)
    );
    output
}
