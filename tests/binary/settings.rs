//! How a run is configured from outside: the working directory, the environment, a `--config`
//! file and flags, in that order of precedence; and the reference page of every flag and key,
//! generated from the command line's own definition.

use std::path::Path;
use std::time::Duration;

use crate::support::binary::{self, Finished, closed_port, with_reference};
use vpp_conformance::reference::ReferenceOptions;

/// How long one invocation of the binary may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs the binary to completion with these variables (the suite's own and every proxy setting
/// cleared otherwise), killing it after [`DEADLINE`].
fn run_env(envs: &[(&str, &str)], args: &[&str]) -> Finished {
    binary::run_env(envs, args, DEADLINE)
}

/// As [`run_env`], in `dir`.
fn run_in(dir: &Path, envs: &[(&str, &str)], args: &[&str]) -> Finished {
    binary::run_in(dir, envs, args, DEADLINE)
}

#[test]
fn run_works_from_another_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = run_in(dir.path(), &[], &["run"]);
    f.assert_passed(binary::default_selection().len());
}

/// Configuration from the environment: a base URL, and a header whose value never appears on the
/// command line. Flags win over the environment.
#[test]
fn environment_variables_configure_a_run_and_flags_win() {
    let unreachable = format!("http://127.0.0.1:{}", closed_port());
    let f =
        run_env(&[("VPP_CONFORMANCE_BASE_URL", &unreachable)], &["run", "--tags", "@APL-CFG-001", "--timeout", "2"]);
    assert_eq!(f.code, Some(3), "the environment's base URL was used\n{}", f.describe());
    assert!(f.stdout.contains(&unreachable), "{}", f.describe());

    with_reference(ReferenceOptions::default(), |url| {
        let secret = "Bearer from-the-environment-31415926";
        let f = run_env(
            &[("VPP_CONFORMANCE_BASE_URL", &unreachable), ("UEM_AUTH_FOR_TEST", secret)],
            &[
                "run",
                "--base-url",
                url,
                "--tags",
                "@APL-CFG-001",
                "--header-from-env",
                "Authorization=UEM_AUTH_FOR_TEST",
            ],
        );
        assert_eq!(f.code, Some(0), "the flag wins over the environment\n{}", f.describe());
        assert!(
            !f.stdout.contains("from-the-environment-31415926") && !f.stderr.contains("from-the-environment-31415926")
        );
    });

    let f = run_env(&[], &["run", "--header-from-env", "Authorization=NOT_SET_ANYWHERE_42"]);
    assert_eq!(f.code, Some(2), "{}", f.describe());
    assert!(f.stderr.contains("NOT_SET_ANYWHERE_42 is not set"), "{}", f.describe());
}

/// `--config`: flags win over the environment, the environment over the file; the file's paths
/// are relative to the file; a header's secret stays in the environment; a typo is an error.
#[test]
fn a_config_file_is_read_and_flags_and_the_environment_win_over_it() {
    let unreachable = format!("http://127.0.0.1:{}", closed_port());
    with_reference(ReferenceOptions::default(), |url| {
        let dir = tempfile::tempdir().unwrap();
        let ci = dir.path().join("ci");
        std::fs::create_dir(&ci).unwrap();
        let config = ci.join("vpp-conformance.toml");
        std::fs::write(
            &config,
            format!(
                "base-url = \"{url}\"\ntags = \"@APL-CFG-001 or @UEM-SMP-001\"\ntimeout = 2\n\
                 junit = \"out/junit.xml\"\nheaders-from-env = [\"Authorization=CONFIG_TEST_AUTH\"]\n"
            ),
        )
        .unwrap();
        std::fs::create_dir(ci.join("out")).unwrap();
        let secret = "Bearer from-a-config-file-27182818";
        let config_arg = config.to_str().unwrap();

        // The file alone: its URL, tags and report path (relative to the file) are used.
        let f = run_in(dir.path(), &[("CONFIG_TEST_AUTH", secret)], &["run", "--config", config_arg]);
        f.assert_passed(2);
        let junit = std::fs::read_to_string(ci.join("out/junit.xml")).expect("the JUnit path is relative to the file");
        assert!(!junit.contains("27182818") && !f.stdout.contains("27182818"), "the header's value leaked");

        // The environment wins over the file.
        let f = run_in(
            dir.path(),
            &[("CONFIG_TEST_AUTH", secret), ("VPP_CONFORMANCE_BASE_URL", &unreachable)],
            &["run", "--config", config_arg],
        );
        assert_eq!(f.code, Some(3), "the environment's base URL was used\n{}", f.describe());
        assert!(f.stdout.contains(&unreachable), "{}", f.describe());

        // A flag wins over both; VPP_CONFORMANCE_CONFIG names the file.
        let f = run_in(
            dir.path(),
            &[
                ("CONFIG_TEST_AUTH", secret),
                ("VPP_CONFORMANCE_BASE_URL", &unreachable),
                ("VPP_CONFORMANCE_CONFIG", config_arg),
            ],
            &["run", "--base-url", url, "--tags", "@APL-CFG-001"],
        );
        f.assert_passed(1);

        // The file's header needs its variable, as the flag does.
        let f = run_in(dir.path(), &[], &["run", "--config", config_arg]);
        assert_eq!(f.code, Some(2), "{}", f.describe());
        assert!(f.stderr.contains("CONFIG_TEST_AUTH is not set"), "{}", f.describe());
    });

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "base_url = \"http://localhost:8080\"\n").unwrap();
    let f = run_env(&[], &["run", "--config", bad.to_str().unwrap()]);
    assert_eq!(f.code, Some(2), "{}", f.describe());
    assert!(
        f.stderr.contains("base_url") && f.stderr.contains("bad.toml"),
        "the error names the key and file\n{}",
        f.describe()
    );
    let f = run_env(&[], &["run", "--config", dir.path().join("missing.toml").to_str().unwrap()]);
    assert_eq!(f.code, Some(2), "{}", f.describe());
    assert!(f.stderr.contains("cannot read the file"), "{}", f.describe());
}

/// The reference page (`docs/reference.md`) is what the command line says of itself:
/// `UPDATE_REFERENCE=1 cargo test --test binary reference_page` rewrites it.
#[test]
fn the_shipped_reference_page_is_the_generated_one() {
    use vpp_conformance::cli::manual;
    let regenerate = "UPDATE_REFERENCE=1 cargo test --test binary reference_page";
    crate::support::generated::check_shipped(
        manual::FILE,
        &manual::markdown(),
        "src/cli/manual.rs",
        "UPDATE_REFERENCE",
        regenerate,
    );
}
