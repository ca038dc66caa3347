//! "Is the network back?": a TCP connect to the authorization server's host, nothing more. The
//! refresher uses it after a refresh failed for want of a network, so that it sends no refresh
//! request while offline (a spent attempt is a log line and a backoff step for nothing) and
//! resumes within one probe interval of the network returning.

use std::time::Duration;

use url::Url;

/// How often an offline refresher looks for the network (`LATCHKEY_OFFLINE_PROBE_SECS`).
pub fn probe_interval() -> Duration {
    crate::tuning::Tuning::get().offline_probe
}

/// `host:port` of a URL (the issuer), to probe.
pub fn target(url: &str) -> Option<(String, u16)> {
    let u = Url::parse(url).ok()?;
    let host = u.host_str()?.trim_start_matches('[').trim_end_matches(']');
    Some((host.to_string(), u.port_or_known_default()?))
}

/// Whether a TCP connection to `host:port` opens within `timeout` (DNS included).
pub async fn reachable(target: &(String, u16), timeout: Duration) -> bool {
    let connect = tokio::net::TcpStream::connect((target.0.as_str(), target.1));
    matches!(tokio::time::timeout(timeout, connect).await, Ok(Ok(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            target("https://auth.example.com/"),
            Some(("auth.example.com".into(), 443))
        );
        assert_eq!(
            target("http://127.0.0.1:8080/as"),
            Some(("127.0.0.1".into(), 8080))
        );
        assert_eq!(target("http://[::1]:9/"), Some(("::1".into(), 9)));
        assert_eq!(target("not a url"), None);
    }

    #[tokio::test]
    async fn a_listening_port_is_reachable_and_a_closed_one_is_not() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let t = ("127.0.0.1".to_string(), port);
        assert!(reachable(&t, Duration::from_secs(2)).await);
        drop(listener);
        assert!(!reachable(&t, Duration::from_secs(2)).await);
    }
}
