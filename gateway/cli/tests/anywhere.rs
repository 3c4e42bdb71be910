//! The `gateway` binary is self-contained: run from an empty directory (not the repository),
//! `gateway demo`, `gateway serve` and `gateway policy test` work on the policy set built into
//! the binary; `--policy-dir` replaces it (a changed policy changes a decision); a missing
//! directory is one sentence. And a whole demo, logged at debug level, leaves no identifier,
//! name, postcode or token of its cohort in the application log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use gateway_client::ClientIdentity;
use gateway_domain::{LaCode, YoungPerson};
use gateway_pki::dev::DevPki;
use http::Method;
use serde_json::Value;

const GATEWAY: &str = env!("CARGO_BIN_EXE_gateway");
const SEED: u64 = 2026;
/// The demo's cast (a claimant aged 16/17, a care leaver in touch, ...) needs this many.
const PEOPLE: usize = 1_000;
/// A demo of this size takes seconds; this bound only stops a hung run failing slowly.
const DEMO_BOUND: Duration = Duration::from_secs(240);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The binary run in `cwd`, with no `GATEWAY_*` setting inherited from the environment.
fn gateway(cwd: &Path) -> Command {
    let mut command = Command::new(GATEWAY);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GATEWAY_") {
            command.env_remove(name);
        }
    }
    command.env_remove("RUST_LOG").current_dir(cwd);
    command
}

/// What a finished run printed.
struct Finished {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Finished {
    fn describe(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `command` to its end, at most `bound` (then kills it and fails). Output goes to
/// files in `dir`, so a chatty child never blocks on a full pipe.
fn run_bounded(command: &mut Command, dir: &Path, bound: Duration) -> Finished {
    let out = dir.join("run.stdout");
    let err = dir.join("run.stderr");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + bound;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} still running after {bound:?}:\n{}",
                std::fs::read_to_string(&out).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Finished {
        status,
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
    }
}

fn demo(cwd: &Path, extra: &[&str]) -> Command {
    let mut command = gateway(cwd);
    command
        .args(["demo", "--seed", &SEED.to_string()])
        .args(["--people", &PEOPLE.to_string()])
        .args(extra);
    command
}

/// A copy of the shipped policy directory, its cases included.
fn copy_policies(to: &Path) -> PathBuf {
    let target = to.join("policies");
    for dir in ["", "tests"] {
        std::fs::create_dir_all(target.join(dir)).unwrap();
        for entry in std::fs::read_dir(repo().join("policies").join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, target.join(dir).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    target
}

/// Every value of the cohort that must never reach a log: identifiers, names, postcodes.
fn secrets(people: &[YoungPerson]) -> Vec<String> {
    let mut values = Vec::new();
    for p in people {
        values.push(p.ccis_id.as_str().to_owned());
        values.extend(p.upn.as_ref().map(|v| v.as_str().to_owned()));
        values.extend(p.uln.as_ref().map(|v| v.as_str().to_owned()));
        values.extend(p.nino.as_ref().map(|v| v.as_str().to_owned()));
        values.extend(p.nhs_number.as_ref().map(|v| v.as_str().to_owned()));
        if let Some(postcode) = p.address.postcode() {
            values.push(postcode.as_str().to_owned());
            values.push(postcode.formatted());
        }
        values.extend(p.address.lines().iter().cloned());
        values.push(p.given_name.clone());
        values.push(p.family_name.clone());
        values.extend(p.middle_name.clone());
    }
    values.sort();
    values.dedup();
    values
}

/// `needle` occurs in `text` as a whole word (not inside a longer run of letters or digits).
fn occurs_as_word(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn cohort_of(day: time::Date) -> Vec<YoungPerson> {
    gateway_domain::synthetic::cohort(SEED, PEOPLE, day, LaCode::parse("886").unwrap()).collect()
}

#[test]
fn the_demo_runs_from_an_empty_directory_and_its_log_holds_no_identifier() {
    let tmp = tempfile::tempdir().unwrap();
    let day_before = time::OffsetDateTime::now_utc().date();
    let finished = run_bounded(
        demo(tmp.path(), &[]).env("GATEWAY_LOG", "debug"),
        tmp.path(),
        DEMO_BOUND,
    );
    let day_after = time::OffsetDateTime::now_utc().date();
    assert!(finished.status.success(), "{}", finished.describe());
    assert!(
        finished.stdout.contains("verified "),
        "{}",
        finished.describe()
    );
    // The demo's folder was made where it ran.
    let log_file = tmp.path().join("demo").join("gateway.log");
    let log = std::fs::read_to_string(&log_file).unwrap();

    // The log is there and names routes by their template.
    assert!(log.lines().count() > 50, "{log}");
    assert!(
        log.contains("\"level\":\"DEBUG\""),
        "debug level was not on"
    );
    assert!(
        log.contains(r#""route":"/v1/subjects/{id}/objections""#),
        "the request span names the route template"
    );

    let mut people = cohort_of(day_before);
    if day_after != day_before {
        people.extend(cohort_of(day_after));
    }
    let everything = format!("{log}\n{}\n{}", finished.stdout, finished.stderr);
    let leaked: Vec<String> = secrets(&people)
        .into_iter()
        .filter(|value| occurs_as_word(&everything, value))
        .collect();
    assert!(leaked.is_empty(), "in the demo's log or output: {leaked:?}");
    // A JWT (and any base64 of a JSON object) begins `eyJ`: no token was logged.
    assert!(!everything.contains("eyJ"), "a token reached the log");
    assert!(
        !everything.contains("Bearer "),
        "an Authorization header reached the log"
    );
}

#[test]
fn policy_test_runs_the_built_in_set_from_an_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let finished = run_bounded(
        gateway(tmp.path()).args(["policy", "test"]),
        tmp.path(),
        DEMO_BOUND,
    );
    assert!(finished.status.success(), "{}", finished.describe());
    assert!(
        finished.stdout.starts_with("the built-in policy set\n"),
        "{}",
        finished.describe()
    );
    let hash = gateway_policy::PolicyEngine::built_in()
        .unwrap()
        .policy_set_hash()
        .to_owned();
    assert!(finished.stdout.contains(&format!("policy set {hash}")));
    assert!(
        finished.stdout.contains(" failed"),
        "{}",
        finished.describe()
    );
    assert!(!finished.stdout.contains("FAIL"), "{}", finished.describe());
}

/// A copy of the shipped set with one more rule: SEND is never released.
fn policies_withholding_send(tmp: &Path) -> PathBuf {
    let dir = copy_policies(tmp);
    std::fs::write(
        dir.join("zz-withhold-send.cedar"),
        "@id(\"test-withhold-send\")\n\
         forbid (principal, action, resource == Gateway::DataCategory::\"send\");\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_policy_directory_replaces_the_built_in_set() {
    let tmp = tempfile::tempdir().unwrap();
    let changed = policies_withholding_send(tmp.path());

    // The demo checks that SEND is released once the young person consents; with the
    // changed directory that decision goes the other way and the demo says so.
    let finished = run_bounded(
        demo(tmp.path(), &["--policy-dir"]).arg(&changed),
        tmp.path(),
        DEMO_BOUND,
    );
    assert!(!finished.status.success(), "{}", finished.describe());
    assert!(
        finished
            .stderr
            .contains("SEND was withheld despite consent"),
        "{}",
        finished.describe()
    );

    // `policy test` on the changed directory runs that directory's cases, which expect SEND
    // with consent.
    let finished = run_bounded(
        gateway(tmp.path())
            .args(["policy", "test", "--dir"])
            .arg(&changed),
        tmp.path(),
        DEMO_BOUND,
    );
    assert!(!finished.status.success(), "{}", finished.describe());
    assert!(
        finished
            .stdout
            .starts_with(&format!("the policy directory {}\n", changed.display())),
        "{}",
        finished.describe()
    );
    assert!(finished.stdout.contains("FAIL"), "{}", finished.describe());
    assert!(finished.stdout.contains("send: expected permit, got deny"));
}

#[test]
fn a_missing_policy_directory_is_one_sentence() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-policies");
    let sentence = format!(
        "error: policy directory {} does not exist",
        missing.display()
    );
    for args in [
        &["policy", "test", "--dir"][..],
        &["demo", "--people", "10", "--policy-dir"][..],
        &["serve", "--listen", "127.0.0.1:0", "--policy-dir"][..],
    ] {
        let finished = run_bounded(
            gateway(tmp.path()).args(args).arg(&missing),
            tmp.path(),
            DEMO_BOUND,
        );
        assert!(
            !finished.status.success(),
            "{args:?}: {}",
            finished.describe()
        );
        // `serve` logs its start on stderr first; the error is the last line, alone.
        let last = finished
            .stderr
            .trim_end()
            .lines()
            .last()
            .unwrap_or_default();
        assert_eq!(last, sentence, "{args:?}: {}", finished.describe());
        assert_eq!(
            finished
                .stderr
                .matches(&missing.display().to_string())
                .count(),
            1,
            "{args:?}: {}",
            finished.describe()
        );
    }
}

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A running `gateway serve`; killed when dropped, so a failing test leaves nothing behind.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_from_an_empty_directory_on_the_built_in_policy_set() {
    let tmp = tempfile::tempdir().unwrap();
    let addr = free_port();
    let log = tmp.path().join("serve.log");
    // No configuration: the development defaults, every path relative to where it runs.
    let mut server = Serve(
        gateway(tmp.path())
            .args(["--log-format", "text", "serve", "--listen"])
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if let Some(status) = server.0.try_wait().unwrap() {
            panic!(
                "gateway serve exited with {status}:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "gateway serve did not listen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let pki = DevPki::open(&tmp.path().join("certs/dev")).unwrap();
    let dir = pki.partner_dir("kent-yot");
    let identity = ClientIdentity::from_files(
        &pki.ca_cert(),
        &dir.join("client.pem"),
        &dir.join("client.key.pem"),
    )
    .unwrap();
    let mut connection = identity.connect(addr, "localhost").await.unwrap();
    let ready = connection
        .send(Method::GET, "/readyz", None, None)
        .await
        .unwrap();
    assert_eq!(
        ready.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&ready.body)
    );
    let ready: Value = serde_json::from_slice(&ready.body).unwrap();
    let built_in = gateway_policy::PolicyEngine::built_in().unwrap();
    assert_eq!(ready["checks"]["policy"], built_in.policy_set_hash());
    assert!(tmp.path().join("data/gateway.db").is_file());
    drop(server);
}
