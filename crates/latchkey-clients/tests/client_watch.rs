//! The config watcher with real file-system events: atomic-rename saves, delete and re-create,
//! a folder created after the watch started, and a burst of writes debounced to one update.

use std::path::Path;
use std::time::{Duration, Instant};

use latchkey_clients::paths::{Os, PlatformDirs, user_locations};
use latchkey_clients::watch::{ConfigWatch, DEBOUNCE};

const WITHIN: Duration = Duration::from_secs(1);

fn setup() -> (tempfile::TempDir, ConfigWatch) {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".cursor")).unwrap();
    std::fs::write(
        home.path().join(".cursor/mcp.json"),
        r#"{"mcpServers": {}}"#,
    )
    .unwrap();
    let watch = ConfigWatch::new(
        user_locations(&PlatformDirs::for_home(Os::Linux, home.path())),
        DEBOUNCE,
    )
    .unwrap();
    (home, watch)
}

fn saw(watch: &mut ConfigWatch, file: &Path) -> bool {
    let deadline = Instant::now() + WITHIN;
    while Instant::now() < deadline {
        let changed = watch.wait(Some(deadline - Instant::now()));
        if changed.iter().any(|p| p == file || file.starts_with(p)) {
            return true;
        }
    }
    false
}

#[test]
fn an_atomic_rename_save_is_seen_within_a_second() {
    let (home, mut watch) = setup();
    let file = home.path().join(".cursor/mcp.json");
    let tmp = home.path().join(".cursor/.mcp.json.tmp");
    std::fs::write(&tmp, r#"{"mcpServers": {"a": {"command": "x"}}}"#).unwrap();
    std::fs::rename(&tmp, &file).unwrap();
    assert!(saw(&mut watch, &file));
}

#[test]
fn delete_and_recreate_are_both_seen() {
    let (home, mut watch) = setup();
    let file = home.path().join(".cursor/mcp.json");
    std::fs::remove_file(&file).unwrap();
    assert!(saw(&mut watch, &file), "the delete");
    std::fs::write(&file, "{}").unwrap();
    assert!(saw(&mut watch, &file), "the re-create");
}

#[test]
fn a_folder_created_after_the_start_is_watched() {
    let (home, mut watch) = setup();
    let dir = home.path().join(".codeium/windsurf");
    std::fs::create_dir_all(&dir).unwrap();
    // The creation of the folder itself is an update (its ancestor was watched) ...
    assert!(saw(&mut watch, &dir));
    // ... and after re-arming, a file written inside it is seen too.
    let file = dir.join("mcp_config.json");
    std::fs::write(&file, r#"{"mcpServers": {}}"#).unwrap();
    assert!(saw(&mut watch, &file));
}

#[test]
fn a_burst_of_writes_is_one_update() {
    let (home, mut watch) = setup();
    let file = home.path().join(".cursor/mcp.json");
    for i in 0..20 {
        std::fs::write(&file, format!(r#"{{"mcpServers": {{}}, "n": {i}}}"#)).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!watch.wait(Some(WITHIN)).is_empty(), "the burst is seen");
    assert!(watch.wait(Some(DEBOUNCE * 3)).is_empty(), "and only once");
}

#[test]
fn unrelated_files_in_a_watched_folder_are_ignored() {
    let (home, mut watch) = setup();
    // Home is watched (for folders like ~/.codeium that do not exist yet); a shell history
    // write there is not a config change.
    std::fs::write(home.path().join(".bash_history"), "ls\n").unwrap();
    assert!(watch.wait(Some(DEBOUNCE * 4)).is_empty());
}
