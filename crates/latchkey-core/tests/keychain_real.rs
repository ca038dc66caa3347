//! The real OS keychain (the Secret Service under `make test`): a long JWT-sized value must
//! round-trip through the chunking layer, every stored item must fit Windows' 2,560-byte limit,
//! and deleting leaves nothing behind.

use latchkey_core::secrets::SecretStore;
use latchkey_core::secrets::chunked::{CHUNK_BYTES, Chunked};
use latchkey_core::secrets::keychain::Keychain;
use latchkey_core::secrets::secret::Secret;

#[test]
fn a_long_jwt_round_trips_through_the_real_keychain() {
    let service = format!("latchkey-test-{}-{}", std::process::id(), rand_suffix());
    let store = Chunked::new(Keychain::new(&service));
    let raw = Keychain::new(&service);
    // A JWT access token plus refresh token, as the broker stores them: ~9 KB.
    let jwt = format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.{}",
        "a".repeat(7000),
        "s".repeat(342)
    );
    let value = Secret::new(format!(
        r#"{{"access_token":"{jwt}","refresh_token":"rt-1"}}"#
    ));
    store
        .set("grant/1", &value)
        .expect("the Secret Service is running (make test starts one)");
    assert_eq!(store.get("grant/1").unwrap().as_ref(), Some(&value));

    let head = raw.get("grant/1").unwrap().unwrap();
    assert!(head.expose().len() <= CHUNK_BYTES, "the head item is small");
    assert!(
        head.expose().starts_with("latchkey-chunked:"),
        "a long value is chunked"
    );

    // Replacing it with a short value, then deleting, leaves no chunk behind.
    store.set("grant/1", &Secret::new("short")).unwrap();
    assert_eq!(store.get("grant/1").unwrap().unwrap().expose(), "short");
    let generation = head.expose().split(':').nth(2).unwrap().to_string();
    assert_eq!(
        raw.get(&format!("grant/1#{generation}.0")).unwrap(),
        None,
        "old chunks are gone"
    );
    store.delete("grant/1").unwrap();
    assert_eq!(store.get("grant/1").unwrap(), None);
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// A keyring daemon that dies while the app runs (a crash, an upgrade) is started again by
/// D-Bus on the next call; the same process must then read and write through the new one,
/// not stay bound to the dead one's session. Run in a D-Bus session of its own: the daemon is
/// killed, and the other tests share theirs.
#[cfg(target_os = "linux")]
#[test]
fn the_same_process_keeps_working_after_the_keyring_daemon_restarts() {
    const INNER: &str = "LATCHKEY_TEST_OWN_KEYRING";
    const NAME: &str = "the_same_process_keeps_working_after_the_keyring_daemon_restarts";
    if std::env::var_os(INNER).is_none() {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/support/with-keyring.sh");
        let out = std::process::Command::new(script)
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--test-threads=1"])
            .env(INNER, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let keychain = Keychain::new(format!("latchkey-restart-{}", rand_suffix()));
    keychain.set("k", &Secret::new("before")).unwrap();
    let daemon = secrets_owner_pid();
    let killed = std::process::Command::new("kill")
        .args(["-9", &daemon.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{daemon}")).exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the daemon did not die"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        keychain.get("k").unwrap().unwrap().expose(),
        "before",
        "read through the restarted daemon"
    );
    keychain.set("k", &Secret::new("after")).unwrap();
    assert_eq!(keychain.get("k").unwrap().unwrap().expose(), "after");
    assert_ne!(secrets_owner_pid(), daemon, "a new daemon answers");
}

/// The process that owns `org.freedesktop.secrets` on this session bus.
#[cfg(target_os = "linux")]
fn secrets_owner_pid() -> u32 {
    let out = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .skip_while(|w| *w != "uint32")
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no owner of org.freedesktop.secrets: {text}"))
}
