//! The gateway refuses to start on an invalid policy set, before it listens.

use gateway_api::server::StartError;
use gateway_tests::{Backend, on_both_backends, policy_dir, spawn_app_in};

on_both_backends!(invalid_policy_set_stops_the_gateway_before_it_listens);

async fn invalid_policy_set_stops_the_gateway_before_it_listens(backend: Backend) {
    let broken = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(policy_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, broken.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    // Refers to an attribute the schema does not declare: strict validation must refuse it.
    std::fs::write(
        broken.path().join("zz-broken.cedar"),
        "@id(\"broken\")\npermit (principal, action, resource)\nwhen { principal.favourite_colour == \"blue\" };\n",
    )
    .unwrap();
    match spawn_app_in(backend, broken.path()).await {
        Err(StartError::Policy(err)) => {
            let message = err.to_string();
            assert!(
                message.contains("zz-broken.cedar"),
                "names the file: {message}"
            );
        }
        Err(other) => panic!("expected a policy error, got {other}"),
        Ok(_) => panic!("the gateway started with an invalid policy set"),
    }
}
