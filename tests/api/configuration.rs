//! The configuration file (`--config FILE`, `ORGRAPH_CONFIG`, or `orgraph.toml` in the
//! working directory) under the environment, and `orgraph config`, which shows the result.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use crate::cli::orgraph;
use crate::helpers::TEST_JWT_SECRET;

/// A PostgreSQL URL with a password; `orgraph config` connects to nothing.
const DATABASE_URL: &str = "postgres://app:s3cret-pw@db.internal:5432/orgraph";

/// Writes `text` to `orgraph.toml` in `folder` and returns its path.
fn write_config(folder: &Path, text: &str) -> std::path::PathBuf {
    let path = folder.join("orgraph.toml");
    std::fs::write(&path, text).expect("the configuration file is written");
    path
}

/// `orgraph config`'s lines, `key = value` by key, each with where it came from.
fn printed_settings(output: &Output) -> BTreeMap<String, (String, String)> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (setting, origin) = line
                .rsplit_once("  # ")
                .expect("each line names its source");
            let (key, value) = setting.split_once(" = ").expect("key = value");
            (
                key.to_owned(),
                (value.trim_end().to_owned(), origin.to_owned()),
            )
        })
        .collect()
}

/// A printed value and where it came from.
fn setting(value: &str, origin: &str) -> (String, String) {
    (value.to_owned(), origin.to_owned())
}

#[test]
fn orgraph_config_masks_secrets_and_names_where_each_value_came_from() {
    let folder = tempfile::tempdir().unwrap();
    let file = write_config(
        folder.path(),
        "listen = \"127.0.0.1:9123\"\nmax_page_size = 50\nrate_limit_queries_per_minute = 600\n",
    );
    let output = orgraph(DATABASE_URL)
        .arg("--config")
        .arg(&file)
        .arg("config")
        .env("ORGRAPH_MAX_PAGE_SIZE", "70")
        .output()
        .expect("orgraph config runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!stdout.contains("s3cret-pw"), "no password: {stdout}");
    assert!(!stdout.contains(TEST_JWT_SECRET), "no secret: {stdout}");
    let settings = printed_settings(&output);
    let file = file.display().to_string();
    let expected = [
        (
            "database_url",
            "\"postgres://app:***@db.internal:5432/orgraph\"",
            "DATABASE_URL",
        ),
        ("jwt_secret", "\"***\"", "ORGRAPH_JWT_SECRET"),
        ("listen", "\"127.0.0.1:9123\"", file.as_str()),
        ("rate_limit_queries_per_minute", "600", file.as_str()),
        // The environment wins over the file.
        ("max_page_size", "70", "ORGRAPH_MAX_PAGE_SIZE"),
        ("batch_max", "0", "default"),
    ];
    for (key, value, origin) in expected {
        assert_eq!(
            settings.get(key),
            Some(&setting(value, origin)),
            "{key}: {stdout}"
        );
    }
    assert!(stdout.contains("# jwt_issuer is unset"), "{stdout}");
}

#[test]
fn orgraph_toml_in_the_working_directory_is_read_without_being_named() {
    let folder = tempfile::tempdir().unwrap();
    write_config(folder.path(), "max_query_depth = 9\n");
    let output = orgraph("sqlite://data.db?mode=rwc")
        .current_dir(folder.path())
        .arg("config")
        .output()
        .unwrap();
    let settings = printed_settings(&output);
    assert_eq!(settings["max_query_depth"], setting("9", "orgraph.toml"));
}

/// Runs `orgraph serve` on `text` as its configuration file; it must fail at start.
fn failed_start(text: &str) -> (String, String) {
    let folder = tempfile::tempdir().unwrap();
    let file = write_config(folder.path(), text);
    let database = format!("sqlite://{}/test.db?mode=rwc", folder.path().display());
    let output = orgraph(&database)
        .env("ORGRAPH_CONFIG", &file)
        .env("ORGRAPH_LISTEN", "127.0.0.1:0")
        .arg("serve")
        .output()
        .expect("orgraph serve runs");
    assert!(!output.status.success(), "{text} must stop the start");
    (
        String::from_utf8_lossy(&output.stderr).into_owned(),
        file.display().to_string(),
    )
}

#[test]
fn a_bad_value_in_the_file_stops_the_start_naming_the_key_and_the_file() {
    let (stderr, file) = failed_start("max_page_size = 0\n");
    assert!(
        stderr.contains(&format!("`max_page_size` in {file}: must be at least 1")),
        "{stderr}"
    );
    let (stderr, file) = failed_start("events_broker = \"carrier-pigeon\"\n");
    assert!(
        stderr.contains(&format!("`events_broker` in {file}")),
        "{stderr}"
    );
    let (stderr, file) = failed_start("rate_limit_mutations_per_minte = 10\n");
    assert!(
        stderr.contains(&format!(
            "`rate_limit_mutations_per_minte` in {file}: is not an orgraph setting: \
             did you mean `rate_limit_mutations_per_minute`?"
        )),
        "{stderr}"
    );
}
