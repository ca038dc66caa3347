//! Named pause points for crash and race testing (the reliability suite kills -9 a process
//! parked at each step of a refresh and counts what was lost; the race tests hold a refresh at a
//! step while a revoke or a new sign-in runs).
//!
//! Compiled in only with the `test-hooks` feature, which only the test builds turn on
//! (`latchkey-cli`'s dev-dependency): a release build has no pause points at all, whatever its
//! environment says.
//!
//! With the feature, `LATCHKEY_FAULT_PAUSE=<step>` makes a process stop at that step, print
//! `latchkey-fault: paused at <step>` on stderr, and wait: to be killed, or, when
//! `LATCHKEY_FAULT_RESUME=<file>` is set, until that file exists, then go on.

/// Steps of a refresh, in order.
pub const REFRESH_STEPS: [&str; 4] = [
    "refresh:before-request",
    "refresh:after-response",
    "refresh:after-keychain-write",
    "refresh:after-store-write",
];

/// Whether this build has pause points (the `test-hooks` feature).
pub const ENABLED: bool = cfg!(feature = "test-hooks");

#[cfg(feature = "test-hooks")]
pub fn pause_at(step: &str) {
    use std::sync::OnceLock;
    static ARMED: OnceLock<Option<(String, Option<std::path::PathBuf>)>> = OnceLock::new();
    let armed = ARMED.get_or_init(|| {
        let step = std::env::var("LATCHKEY_FAULT_PAUSE")
            .ok()
            .filter(|s| !s.is_empty())?;
        let resume = std::env::var_os("LATCHKEY_FAULT_RESUME").map(std::path::PathBuf::from);
        Some((step, resume))
    });
    let Some((armed_step, resume)) = armed else {
        return;
    };
    if armed_step != step {
        return;
    }
    eprintln!("latchkey-fault: paused at {step}");
    match resume {
        Some(file) => {
            while !file.exists() {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            eprintln!("latchkey-fault: resumed at {step}");
        }
        None => loop {
            std::thread::park();
        },
    }
}

/// Without the `test-hooks` feature a pause point is nothing.
#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub fn pause_at(_step: &str) {}
