//! Issue 6: moving every secret between backends with `latchkey secret migrate`, verified and
//! resumable, with the sign-in still working from the new place.

use crate::support::*;

#[test]
fn migrate_moves_grants_and_secrets_to_pass_and_a_second_run_finishes_an_interrupted_one() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let pass = PassFixture::new();
    // The keychain is the default; the pass store is configured but not chosen yet.
    let lk = Latchkey::new()
        .with_env(
            "PASSWORD_STORE_DIR",
            &pass.store.path().display().to_string(),
        )
        .with_env("GNUPGHOME", &pass.gnupg.path().display().to_string());
    lk.run(&["connect", &url]).ok();
    lk.run_with_stdin(&["secret", "set", "demo/API_KEY"], "demo-value-42\n")
        .ok();
    let token_before = lk.run(&["token", &url]).ok().stdout.trim().to_string();
    assert!(pass.entries().is_empty());

    let moved = lk.run(&["secret", "migrate", "--to", "pass"]);
    moved.ok();
    assert!(
        moved.stdout.contains("Moved 2 secret(s) to pass"),
        "{}",
        moved.stdout
    );
    let entries = pass.entries();
    assert!(
        entries.iter().any(|e| e.ends_with("/grant/1"))
            && entries.iter().any(|e| e.ends_with("/secret/demo/API_KEY")),
        "{entries:?}"
    );
    // Everything works from the new place, with no environment override.
    assert_eq!(lk.run(&["token", &url]).ok().stdout.trim(), token_before);
    assert_eq!(
        child_sees(lk.command(&RUN_PRINTS_V), "latchkey:demo/API_KEY"),
        "demo-value-42"
    );
    let doctor = lk.run(&["doctor"]);
    assert!(
        doctor
            .stdout
            .contains("secret backend: pass (settings.toml)"),
        "{}",
        doctor.stdout
    );
    // The keychain no longer holds them.
    let old = lk
        .command(&["token", &url])
        .env("LATCHKEY_BACKEND", "keychain")
        .output()
        .unwrap();
    assert_eq!(
        old.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&old.stdout)
    );

    // Interrupted after the items moved but before the settings were written: the settings
    // still say keychain, and a second run finishes the job without copying anything twice.
    std::fs::write(
        lk.home.path().join("settings.toml"),
        "backend = \"keychain\"\n",
    )
    .unwrap();
    let again = lk.run(&["secret", "migrate", "--to", "pass"]);
    again.ok();
    assert!(
        again
            .stdout
            .contains("Moved 0 secret(s) to pass (2 moved by an earlier run)"),
        "{}",
        again.stdout
    );
    assert_eq!(lk.run(&["token", &url]).ok().stdout.trim(), token_before);

    // Already there: a clear error, nothing changes.
    let same = lk.run(&["secret", "migrate", "--to", "pass"]);
    assert_eq!(same.code, 1);
    assert!(same.stderr.contains("already in pass"), "{}", same.stderr);

    // And back to the keychain.
    lk.run(&["secret", "migrate", "--to", "keychain"]).ok();
    assert!(pass.entries().is_empty(), "{:?}", pass.entries());
    assert_eq!(lk.run(&["token", &url]).ok().stdout.trim(), token_before);
}
