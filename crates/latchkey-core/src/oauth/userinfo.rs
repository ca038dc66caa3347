//! The account, from the OpenID Connect userinfo endpoint, for sign-ins that returned no ID
//! token. Only asked when the server advertises the endpoint and `openid` was granted; any
//! failure just leaves the account unknown (it is shown, never relied on).

use url::Url;

use super::metadata::AuthServerMetadata;
use super::token::{TokenSet, account_from_claims};
use crate::http::HttpClient;
use crate::url_policy;

pub async fn account(
    http: &HttpClient,
    md: &AuthServerMetadata,
    tokens: &TokenSet,
    mcp_server: &Url,
) -> Option<String> {
    if !tokens.scopes.iter().any(|s| s == "openid") {
        return None;
    }
    let endpoint = Url::parse(md.userinfo_endpoint.as_deref()?).ok()?;
    // The same rule as every other endpoint: https, or http only on loopback for a loopback
    // server; a token is never sent in the clear to a remote host.
    if url_policy::check_transport(&endpoint, Some(mcp_server)).is_err() {
        return None;
    }
    let request = http
        .reqwest()
        .get(endpoint)
        .bearer_auth(tokens.access_token.expose())
        .header(http::header::ACCEPT, "application/json");
    let fetched = http.send(request).await.ok()?;
    if fetched.status != 200 {
        return None;
    }
    let claims: serde_json::Value = serde_json::from_slice(&fetched.body).ok()?;
    account_from_claims(&claims)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::get;

    use super::*;
    use crate::Secret;

    /// A userinfo endpoint that answers only the right bearer token, and counts its calls.
    async fn serve(hits: Arc<AtomicUsize>) -> Url {
        let app = axum::Router::new().route(
            "/userinfo",
            get(move |headers: HeaderMap| {
                let hits = hits.clone();
                async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
                        Some("Bearer right-token") => {
                            (StatusCode::OK, r#"{"sub":"u1","email":"ada@example.com"}"#)
                        }
                        _ => (StatusCode::UNAUTHORIZED, "{}"),
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Url::parse(&format!("http://127.0.0.1:{port}/userinfo")).unwrap()
    }

    fn tokens(access: &str, scopes: &[&str]) -> TokenSet {
        TokenSet {
            access_token: Secret::new(access),
            refresh_token: None,
            expires_at: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            obtained_at: None,
            owner: None,
            dpop_key: None,
        }
    }

    #[tokio::test]
    async fn userinfo_rows() {
        let hits = Arc::new(AtomicUsize::new(0));
        let endpoint = serve(hits.clone()).await;
        let http = HttpClient::new().unwrap();
        let mut md = AuthServerMetadata::legacy_defaults(&endpoint);
        md.userinfo_endpoint = Some(endpoint.to_string());
        let loopback_server = Url::parse("http://127.0.0.1:1/mcp").unwrap();
        let remote_server = Url::parse("https://mcp.example.com/mcp").unwrap();

        let got = account(
            &http,
            &md,
            &tokens("right-token", &["openid", "mcp"]),
            &loopback_server,
        )
        .await;
        assert_eq!(
            got.as_deref(),
            Some("ada@example.com"),
            "openid granted: asked"
        );
        assert_eq!(hits.load(Ordering::SeqCst), 1);

        let got = account(
            &http,
            &md,
            &tokens("wrong-token", &["openid"]),
            &loopback_server,
        )
        .await;
        assert_eq!(got, None, "a rejected token leaves the account unknown");

        let before = hits.load(Ordering::SeqCst);
        let got = account(
            &http,
            &md,
            &tokens("right-token", &["mcp"]),
            &loopback_server,
        )
        .await;
        assert_eq!(got, None);
        let got = account(
            &http,
            &md,
            &tokens("right-token", &["openid"]),
            &remote_server,
        )
        .await;
        assert_eq!(got, None);
        assert_eq!(
            hits.load(Ordering::SeqCst),
            before,
            "without openid, or over plain http for an https server, nothing is sent"
        );
    }
}
