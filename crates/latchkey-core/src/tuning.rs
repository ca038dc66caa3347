//! Every `LATCHKEY_*` setting that tunes how Latchkey behaves (timeouts, retention, the
//! refresher's pace), in one place with its default, read once per process. The others name
//! things rather than tune them and are read where they are used: `LATCHKEY_HOME` (the data
//! folder), `LATCHKEY_BACKEND` (the secret store), `LATCHKEY_LOG` / `LATCHKEY_LOG_FILE` (logging),
//! `LATCHKEY_ONE_PROCESS` (the app without its resident tray), and the tests' fault hooks.

use std::sync::OnceLock;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuning {
    /// `LATCHKEY_AUDIT_DAYS`: how long audit events are kept (90 days).
    pub audit_days: i64,
    /// `LATCHKEY_HTTP_TIMEOUT`: one HTTP request, in seconds (30).
    pub http_timeout: Duration,
    /// `LATCHKEY_KEYCHAIN_TIMEOUT`: one call to the secret store, in seconds (20): a locked
    /// keychain's unlock prompt is waited for this long.
    pub keychain_timeout: Duration,
    /// `LATCHKEY_LEASE_SECS`: how long a refresh lease counts without its holder (60 s).
    pub lease: Duration,
    /// `LATCHKEY_OFFLINE_PROBE_SECS`: how often an offline refresher looks for the network (15 s).
    pub offline_probe: Duration,
    /// `LATCHKEY_REFRESHER_MAX_SLEEP`: the refresher's longest sleep, in seconds (300): bounds
    /// how late a refresh can be after the machine wakes.
    pub refresher_max_sleep: i64,
    /// `LATCHKEY_SIGNIN_TIMEOUT`: how long a sign-in waits for the browser, in seconds (300).
    pub signin_timeout: Duration,
    /// `LATCHKEY_PROXY_MAX_MESSAGE_MIB`: the proxy's bound on one message, over the settings
    /// file's (none: the settings file's, else 16 MiB).
    pub proxy_max_message_mib: Option<usize>,
}

impl Tuning {
    /// This process's settings, read from the environment the first time they are needed.
    pub fn get() -> &'static Tuning {
        static TUNING: OnceLock<Tuning> = OnceLock::new();
        TUNING.get_or_init(|| Tuning::from_lookup(|name| std::env::var(name).ok()))
    }

    /// The settings `lookup` gives (a value that does not parse, or is not positive, keeps the
    /// default).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let positive = |name: &str| {
            lookup(name)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|v| *v > 0)
        };
        let secs =
            |name: &str, default: u64| Duration::from_secs(positive(name).unwrap_or(default));
        Self {
            audit_days: positive("LATCHKEY_AUDIT_DAYS").unwrap_or(90) as i64,
            http_timeout: secs("LATCHKEY_HTTP_TIMEOUT", 30),
            keychain_timeout: secs("LATCHKEY_KEYCHAIN_TIMEOUT", 20),
            lease: secs("LATCHKEY_LEASE_SECS", 60),
            offline_probe: secs("LATCHKEY_OFFLINE_PROBE_SECS", 15),
            refresher_max_sleep: positive("LATCHKEY_REFRESHER_MAX_SLEEP").unwrap_or(300) as i64,
            signin_timeout: secs("LATCHKEY_SIGNIN_TIMEOUT", 300),
            proxy_max_message_mib: positive("LATCHKEY_PROXY_MAX_MESSAGE_MIB").map(|v| v as usize),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_each_setting_and_nonsense_keeps_the_default() {
        let none = Tuning::from_lookup(|_| None);
        assert_eq!(none.audit_days, 90);
        assert_eq!(none.http_timeout, Duration::from_secs(30));
        assert_eq!(none.keychain_timeout, Duration::from_secs(20));
        assert_eq!(none.lease, Duration::from_secs(60));
        assert_eq!(none.offline_probe, Duration::from_secs(15));
        assert_eq!(none.refresher_max_sleep, 300);
        assert_eq!(none.signin_timeout, Duration::from_secs(300));
        assert_eq!(none.proxy_max_message_mib, None);

        let set = Tuning::from_lookup(|name| {
            Some(
                match name {
                    "LATCHKEY_AUDIT_DAYS" => "7",
                    "LATCHKEY_HTTP_TIMEOUT" => " 5 ",
                    "LATCHKEY_REFRESHER_MAX_SLEEP" => "2",
                    "LATCHKEY_PROXY_MAX_MESSAGE_MIB" => "1",
                    "LATCHKEY_LEASE_SECS" => "0",
                    _ => "soon",
                }
                .to_string(),
            )
        });
        assert_eq!(set.audit_days, 7);
        assert_eq!(set.http_timeout, Duration::from_secs(5));
        assert_eq!(set.refresher_max_sleep, 2);
        assert_eq!(set.proxy_max_message_mib, Some(1));
        assert_eq!(set.lease, Duration::from_secs(60), "0 keeps the default");
        assert_eq!(set.signin_timeout, Duration::from_secs(300), "nonsense too");
    }
}
