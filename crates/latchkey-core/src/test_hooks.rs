//! Hooks the end-to-end tests use to reach code paths a test machine cannot: compiled in only
//! with the `test-hooks` feature (test builds), inert otherwise.

/// `LATCHKEY_TEST_PUBLIC_ORIGINS` (comma-separated origins): servers on this machine that the
/// tests want treated as public internet servers, to exercise the SSRF guard
/// (`http::HttpClient::for_server`) without a public address.
#[cfg(feature = "test-hooks")]
pub fn treated_as_public(url: &url::Url) -> bool {
    let origin = crate::url_policy::origin(url);
    std::env::var("LATCHKEY_TEST_PUBLIC_ORIGINS")
        .map(|list| list.split(',').any(|o| o.trim() == origin))
        .unwrap_or(false)
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub fn treated_as_public(_url: &url::Url) -> bool {
    false
}
