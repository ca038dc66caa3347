//! The address the browser ended at, pasted into the terminal (`connect --no-browser`): a
//! browser on another machine (SSH, WSL, a container, a remote dev box) cannot reach this
//! machine's loopback listener, so the person copies the address of the page that failed to
//! load and pastes it here.
//!
//! A pasted address is checked exactly like a redirect that reached the listener: it must be
//! this sign-in's redirect URI with the right `state` (anything else gets words and another
//! try), then `iss` and `error` are checked by the same validator.

use std::sync::Arc;

use tokio::sync::{Mutex, mpsc};
use url::Url;

use crate::{Error, Result};

/// Lines the person types or pastes, as the front end reads them (the core never reads a
/// terminal itself).
#[derive(Clone)]
pub struct PastedAddresses(Arc<Mutex<mpsc::Receiver<String>>>);

impl std::fmt::Debug for PastedAddresses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PastedAddresses")
    }
}

impl PastedAddresses {
    pub fn new(lines: mpsc::Receiver<String>) -> Self {
        Self(Arc::new(Mutex::new(lines)))
    }

    /// Wait for a pasted line that is this sign-in's redirect and return what `validate` makes
    /// of its query (the code, or why the sign-in failed). A line that is not this sign-in's
    /// redirect is reported through `refused` and the wait goes on. When the lines end (no
    /// terminal, end of input), this waits for ever: the loopback's own wait decides.
    pub async fn wait(
        &self,
        redirect_uri: &str,
        expected_state: &str,
        validate: impl Fn(&[(String, String)]) -> Result<String>,
        refused: &(dyn Fn(String) + Send + Sync),
    ) -> Result<String> {
        let mut lines = self.0.lock().await;
        while let Some(line) = lines.recv().await {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match query_of(line, redirect_uri, expected_state) {
                Ok(query) => return validate(&query),
                Err(why) => refused(why),
            }
        }
        drop(lines);
        std::future::pending().await
    }
}

/// The query of `pasted` when it is `redirect_uri` with the expected `state`; else why not
/// (words for the person, never the pasted text itself: it may hold a code).
fn query_of(
    pasted: &str,
    redirect_uri: &str,
    expected_state: &str,
) -> std::result::Result<Vec<(String, String)>, String> {
    let expected =
        Url::parse(redirect_uri).map_err(|_| "the redirect URI is not a URL".to_string())?;
    let Ok(url) = Url::parse(pasted) else {
        return Err(format!(
            "that is not an address; paste the whole address the browser shows, starting with {redirect_uri}"
        ));
    };
    if url.scheme() != expected.scheme()
        || url.host_str() != expected.host_str()
        || url.port_or_known_default() != expected.port_or_known_default()
        || url.path() != expected.path()
    {
        return Err(format!(
            "that address is not this sign-in's redirect, which starts with {redirect_uri}"
        ));
    }
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    super::authorize::check_state(&query, expected_state).map_err(|e| match e {
        Error::Authorization(m) => format!("{m} (an address from another or an older sign-in?)"),
        other => other.to_string(),
    })?;
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REDIRECT: &str = "http://127.0.0.1:4711/callback";

    #[test]
    fn pasted_addresses_rows() {
        let rows = [
            ("http://127.0.0.1:4711/callback?code=c&state=s1", Ok(())),
            (
                "  http://127.0.0.1:4711/callback?state=s1&error=access_denied",
                Ok(()),
            ),
            ("hello", Err("not an address")),
            (
                "http://127.0.0.1:4712/callback?code=c&state=s1",
                Err("not this sign-in's"),
            ),
            (
                "http://127.0.0.1:4711/other?code=c&state=s1",
                Err("not this sign-in's"),
            ),
            (
                "https://127.0.0.1:4711/callback?code=c&state=s1",
                Err("not this sign-in's"),
            ),
            (
                "http://evil.example:4711/callback?code=c&state=s1",
                Err("not this sign-in's"),
            ),
            (
                "http://127.0.0.1:4711/callback?code=c&state=other",
                Err("another or an older"),
            ),
            ("http://127.0.0.1:4711/callback?code=c", Err("state")),
        ];
        for (pasted, want) in rows {
            let got = query_of(pasted.trim(), REDIRECT, "s1");
            match (want, got) {
                (Ok(()), Ok(_)) => {}
                (Err(words), Err(why)) => {
                    assert!(why.contains(words), "{pasted}: {why}");
                    assert!(!why.contains("code=c"), "{pasted}: {why}");
                }
                (want, got) => panic!("{pasted}: want {want:?}, got {got:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_wrong_paste_is_refused_and_the_next_one_is_taken() {
        let (tx, rx) = mpsc::channel(4);
        let pasted = PastedAddresses::new(rx);
        tx.send("nonsense".into()).await.unwrap();
        tx.send(format!("{REDIRECT}?code=c&state=old"))
            .await
            .unwrap();
        tx.send(format!("{REDIRECT}?code=the-code&state=s1"))
            .await
            .unwrap();
        let refusals = std::sync::Mutex::new(Vec::new());
        let code = pasted
            .wait(
                REDIRECT,
                "s1",
                |q| {
                    Ok(q.iter()
                        .find(|(k, _)| k == "code")
                        .map(|(_, v)| v.clone())
                        .unwrap())
                },
                &|why| refusals.lock().unwrap().push(why),
            )
            .await
            .unwrap();
        assert_eq!(code, "the-code");
        assert_eq!(refusals.lock().unwrap().len(), 2);
    }
}
