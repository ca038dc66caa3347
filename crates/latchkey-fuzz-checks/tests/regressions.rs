//! Every input cargo-fuzz found troublesome (fuzz/regressions/<target>-<name>.bin) replayed on
//! the stable toolchain in every `make test`, through the very checks the fuzz target runs.

use std::path::Path;

use latchkey_fuzz_checks::TARGETS;

#[test]
fn every_saved_fuzz_input_replays_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir)
        .expect("fuzz/regressions exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".bin") else {
            continue;
        };
        let (_, check) = TARGETS
            .iter()
            .find(|(t, _)| stem.starts_with(&format!("{t}-")))
            .unwrap_or_else(|| panic!("{name}: name it <target>-<what>.bin"));
        let data = std::fs::read(entry.path()).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{name} fails again");
        count += 1;
    }
    assert!(count > 0, "no regression inputs found in {}", dir.display());
}

#[test]
fn every_fuzz_target_has_its_checks() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/Cargo.toml"),
    )
    .unwrap();
    let bins: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|n| *n != "latchkey-fuzz")
        .collect();
    assert_eq!(bins.len(), TARGETS.len(), "{bins:?}");
    for b in bins {
        assert!(TARGETS.iter().any(|(t, _)| *t == b), "no checks for {b}");
    }
}
