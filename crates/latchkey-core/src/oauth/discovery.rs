//! Finding the authorization server of an MCP server.
//!
//! 1. Protected-resource metadata (RFC 9728): the `resource_metadata` URL from the 401 challenge
//!    when there is one; else `/.well-known/oauth-protected-resource/<path>`, then
//!    `/.well-known/oauth-protected-resource` at the server's origin. The document's `resource`
//!    must match the server (§3.3), else it is discarded.
//! 2. Authorization-server metadata for the chosen issuer, in the MCP spec's order (RFC 8414 and
//!    OpenID Discovery, path-aware), and the metadata's `issuer` must be identical to the issuer.
//! 3. Back-compat (2025-03-26): no PRM at all, metadata at the server's origin; no metadata
//!    either, the default endpoints `/authorize`, `/token`, `/register`.

use url::Url;

use super::challenge::BearerChallenge;
use super::metadata::{AuthServerMetadata, ProtectedResourceMetadata};
use crate::http::{Fetched, HttpClient};
use crate::{Error, Result, url_policy};

/// Everything discovery learned about one MCP server.
#[derive(Debug, Clone)]
pub struct Discovered {
    /// The value sent as RFC 8707 `resource`: the PRM `resource` exactly as given, else the
    /// server's canonical URL.
    pub resource: String,
    pub protected_resource: Option<ProtectedResourceMetadata>,
    pub auth_server: AuthServerMetadata,
    /// True when the 2025-03-26 fallbacks were used (no PRM).
    pub legacy: bool,
}

pub async fn discover(
    http: &HttpClient,
    server_url: &Url,
    canonical_server: &str,
    challenge: Option<&BearerChallenge>,
) -> Result<Discovered> {
    let prm = fetch_protected_resource(http, server_url, canonical_server, challenge).await?;
    let Some(prm) = prm else {
        let origin = Url::parse(&url_policy::origin(server_url))
            .map_err(|_| Error::Discovery(format!("{server_url} has no origin")))?;
        let issuer = url_policy::origin(server_url);
        let auth_server = match fetch_auth_server(http, &origin, &issuer).await? {
            Some(md) => md,
            None => AuthServerMetadata::legacy_defaults(server_url),
        };
        auth_server.check_endpoints(server_url)?;
        return Ok(Discovered {
            resource: canonical_server.to_string(),
            protected_resource: None,
            auth_server,
            legacy: true,
        });
    };
    // Several authorization servers: use the first (the server's preference order).
    let issuer = prm.authorization_servers.first().cloned().ok_or_else(|| {
        Error::Discovery("the protected-resource metadata lists no authorization_servers".into())
    })?;
    // An issuer is a URL (RFC 8414 §2): one with control characters or spaces is not, and it
    // would reach the terminal and the window as it is.
    let not_a_url = || {
        Error::Discovery(format!(
            "authorization server '{}' is not a URL",
            crate::error::sanitize_server_text(&issuer)
        ))
    };
    if issuer.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(not_a_url());
    }
    let issuer_url = Url::parse(&issuer).map_err(|_| not_a_url())?;
    url_policy::check_transport(&issuer_url, Some(server_url))?;
    let auth_server = fetch_auth_server(http, &issuer_url, &issuer)
        .await?
        .ok_or_else(|| {
            Error::Discovery(format!(
                "no authorization server metadata found for {issuer} (tried RFC 8414 and OpenID Connect discovery)"
            ))
        })?;
    auth_server.check_endpoints(server_url)?;
    Ok(Discovered {
        resource: prm.resource.clone(),
        protected_resource: Some(prm),
        auth_server,
        legacy: false,
    })
}

/// Where a protected-resource metadata document came from: what its `resource` may say
/// depends on it (RFC 9728 §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrmSource {
    /// The 401 challenge's `resource_metadata` (unless it is the root document below): it must
    /// name the server exactly.
    Challenge,
    /// `/.well-known/oauth-protected-resource<path>`: built from the server's URL, so it must
    /// name the server exactly.
    PathInserted,
    /// `/.well-known/oauth-protected-resource` at the server's origin (probed, or named by the
    /// challenge): it may also describe the origin.
    Root,
}

/// The authorization server the protected-resource metadata names now (its first one), or
/// `None` when the server publishes none (SEP-2352: a grant from another authorization server
/// must not be refreshed there; the client signs in with the new one instead).
pub async fn authorization_server_now(
    http: &HttpClient,
    server_url: &Url,
    canonical_server: &str,
    challenge: Option<&BearerChallenge>,
) -> Result<Option<String>> {
    Ok(
        fetch_protected_resource(http, server_url, canonical_server, challenge)
            .await?
            .and_then(|prm| prm.authorization_servers.first().cloned()),
    )
}

/// RFC 9728 candidates: the challenge's `resource_metadata` alone when given, else path-aware
/// then root well-known URLs.
pub fn protected_resource_candidates(
    server_url: &Url,
    challenge: Option<&BearerChallenge>,
) -> Result<Vec<(Url, PrmSource)>> {
    if let Some(hint) = challenge.and_then(|c| c.resource_metadata.as_deref()) {
        let url = server_url
            .join(hint)
            .map_err(|_| Error::Discovery(format!("resource_metadata '{hint}' is not a URL")))?;
        url_policy::check_transport(&url, Some(server_url))?;
        // A hint that is the server origin's own root document is that document (only the
        // host serves it, never a tenant of one of its paths).
        let root = format!(
            "{}/.well-known/oauth-protected-resource",
            url_policy::origin(server_url)
        );
        let source = if url.as_str() == root {
            PrmSource::Root
        } else {
            PrmSource::Challenge
        };
        return Ok(vec![(url, source)]);
    }
    let origin = url_policy::origin(server_url);
    let path = server_url.path().trim_end_matches('/');
    let mut out = Vec::new();
    if !path.is_empty() {
        out.push((
            parse(&format!(
                "{origin}/.well-known/oauth-protected-resource{path}"
            ))?,
            PrmSource::PathInserted,
        ));
    }
    out.push((
        parse(&format!("{origin}/.well-known/oauth-protected-resource"))?,
        PrmSource::Root,
    ));
    Ok(out)
}

/// RFC 8414 §3.1 + OpenID Discovery, in the order the MCP spec gives.
pub fn auth_server_candidates(issuer: &Url) -> Result<Vec<Url>> {
    let origin = url_policy::origin(issuer);
    let path = issuer.path().trim_end_matches('/');
    let list = if path.is_empty() {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server"),
            format!("{origin}/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{origin}/.well-known/openid-configuration{path}"),
            format!("{origin}{path}/.well-known/openid-configuration"),
        ]
    };
    list.iter().map(|u| parse(u)).collect()
}

fn parse(u: &str) -> Result<Url> {
    Url::parse(u).map_err(|_| Error::Discovery(format!("cannot build discovery URL {u}")))
}

async fn fetch_protected_resource(
    http: &HttpClient,
    server_url: &Url,
    canonical_server: &str,
    challenge: Option<&BearerChallenge>,
) -> Result<Option<ProtectedResourceMetadata>> {
    let candidates = protected_resource_candidates(server_url, challenge)?;
    let hinted = challenge.is_some_and(|c| c.resource_metadata.is_some());
    let mut last_error = None;
    for (url, source) in candidates {
        match fetch_json::<ProtectedResourceMetadata>(http, &url, "protected-resource metadata")
            .await
        {
            Ok(Some(prm)) => {
                check_resource_matches(&prm.resource, canonical_server, source)?;
                return Ok(Some(prm));
            }
            Ok(None) => continue,
            Err(e @ Error::Network(_)) => return Err(e),
            Err(e) => last_error = Some(e),
        }
    }
    match last_error {
        Some(e) => Err(e),
        None if hinted => Err(Error::Discovery(
            "the server's resource_metadata URL did not answer with metadata".into(),
        )),
        None => Ok(None),
    }
}

/// RFC 9728 §3.3: the metadata must be about the server we asked for. A document found through
/// the challenge or the path-inserted well-known URL must name exactly the server (a trailing
/// slash aside); only the root well-known document may name the bare origin instead. Any other
/// prefix is refused: `https://host/u/evil/mcp` must not get a token for all of `https://host`.
pub fn check_resource_matches(
    prm_resource: &str,
    canonical_server: &str,
    source: PrmSource,
) -> Result<()> {
    let mismatch = || {
        Error::Discovery(format!(
            "the protected-resource metadata is for '{}', not for {canonical_server}; discarding it",
            crate::error::sanitize_server_text(prm_resource)
        ))
    };
    let prm = url_policy::canonical_resource(prm_resource).map_err(|_| mismatch())?;
    let without_slash = |s: &str| s.strip_suffix('/').unwrap_or(s).to_string();
    if without_slash(&prm) == without_slash(canonical_server) {
        return Ok(());
    }
    let prm_url = Url::parse(&prm).map_err(|_| mismatch())?;
    let server_url = Url::parse(canonical_server).map_err(|_| mismatch())?;
    let names_the_origin = prm_url.path() == "/"
        && prm_url.query().is_none()
        && url_policy::origin(&prm_url) == url_policy::origin(&server_url);
    if source == PrmSource::Root && names_the_origin {
        Ok(())
    } else {
        Err(mismatch())
    }
}

/// The metadata of an authorization server known by its issuer alone (a company identity
/// provider): the OpenID / RFC 8414 well-known URLs in the MCP order, the issuer checked.
pub async fn metadata_for_issuer(http: &HttpClient, issuer: &str) -> Result<AuthServerMetadata> {
    let url = parse(issuer)?;
    fetch_auth_server(http, &url, issuer).await?.ok_or_else(|| {
        Error::Discovery(format!(
            "{issuer} publishes no OpenID or OAuth authorization server metadata"
        ))
    })
}

/// Fetch the authorization-server metadata for `issuer`, trying each well-known URL in order.
/// `Ok(None)` when no candidate answered with a document.
async fn fetch_auth_server(
    http: &HttpClient,
    issuer_url: &Url,
    issuer: &str,
) -> Result<Option<AuthServerMetadata>> {
    let mut last_error = None;
    for url in auth_server_candidates(issuer_url)? {
        match fetch_json::<AuthServerMetadata>(http, &url, "authorization server metadata").await {
            Ok(Some(md)) => {
                check_issuer(&md.issuer, issuer)?;
                return Ok(Some(md));
            }
            Ok(None) => continue,
            Err(e @ Error::Network(_)) => return Err(e),
            Err(e) => last_error = Some(e),
        }
    }
    match last_error {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

/// RFC 8414 §3.3 / MCP 2026-07-28: the metadata's `issuer` must be identical to the issuer the
/// URL was built from. The one tolerance: an empty path and `/` are the same URL (RFC 3986 §6.2.3).
pub fn check_issuer(metadata_issuer: &str, expected: &str) -> Result<()> {
    let strip_root = |s: &str| -> String {
        match Url::parse(s) {
            Ok(u) if u.path() == "/" && u.query().is_none() && !s.ends_with("//") => {
                s.strip_suffix('/').unwrap_or(s).to_string()
            }
            _ => s.to_string(),
        }
    };
    if metadata_issuer == expected || strip_root(metadata_issuer) == strip_root(expected) {
        Ok(())
    } else {
        Err(Error::Discovery(format!(
            "the authorization server metadata names issuer '{}' but was fetched for '{expected}'; refusing to use it",
            crate::error::sanitize_server_text(metadata_issuer)
        )))
    }
}

/// GET a JSON document. `Ok(None)` for "not here" (404, 405, 410 and other 4xx but 429);
/// errors for everything that says the server is broken or hostile.
async fn fetch_json<T: serde::de::DeserializeOwned>(
    http: &HttpClient,
    url: &Url,
    what: &str,
) -> Result<Option<T>> {
    let fetched: Fetched = http.get_same_origin(url, "application/json").await?;
    match fetched.status {
        200 => fetched.json::<T>(what).map(Some),
        429 | 500..=599 => Err(Error::Network(format!(
            "{what} at {url} answered HTTP {}; try again later",
            fetched.status
        ))),
        400..=499 => Ok(None),
        other => Err(Error::Discovery(format!(
            "{what} at {url} answered HTTP {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(v: Vec<Url>) -> Vec<String> {
        v.into_iter().map(|u| u.to_string()).collect()
    }

    #[test]
    fn auth_server_candidate_order() {
        let rows = [
            (
                "issuer with path",
                "https://auth.test/tenant1",
                vec![
                    "https://auth.test/.well-known/oauth-authorization-server/tenant1",
                    "https://auth.test/.well-known/openid-configuration/tenant1",
                    "https://auth.test/tenant1/.well-known/openid-configuration",
                ],
            ),
            (
                "issuer without path",
                "https://auth.test",
                vec![
                    "https://auth.test/.well-known/oauth-authorization-server",
                    "https://auth.test/.well-known/openid-configuration",
                ],
            ),
            (
                "issuer with trailing slash",
                "https://auth.test/",
                vec![
                    "https://auth.test/.well-known/oauth-authorization-server",
                    "https://auth.test/.well-known/openid-configuration",
                ],
            ),
        ];
        for (name, issuer, want) in rows {
            assert_eq!(
                urls(auth_server_candidates(&Url::parse(issuer).unwrap()).unwrap()),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn protected_resource_candidate_order() {
        let server = Url::parse("https://mcp.test/v1/mcp").unwrap();
        let list = protected_resource_candidates(&server, None).unwrap();
        assert_eq!(
            list.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
            vec![PrmSource::PathInserted, PrmSource::Root]
        );
        assert_eq!(
            urls(list.into_iter().map(|(u, _)| u).collect()),
            vec![
                "https://mcp.test/.well-known/oauth-protected-resource/v1/mcp",
                "https://mcp.test/.well-known/oauth-protected-resource",
            ]
        );
        let hint = BearerChallenge {
            resource_metadata: Some("https://mcp.test/custom/prm".into()),
            ..Default::default()
        };
        assert_eq!(
            protected_resource_candidates(&server, Some(&hint)).unwrap(),
            vec![(
                Url::parse("https://mcp.test/custom/prm").unwrap(),
                PrmSource::Challenge
            )]
        );
        let root_hint = BearerChallenge {
            resource_metadata: Some("/.well-known/oauth-protected-resource".into()),
            ..Default::default()
        };
        assert_eq!(
            protected_resource_candidates(&server, Some(&root_hint)).unwrap()[0].1,
            PrmSource::Root,
            "the origin's root document, named by the challenge"
        );
        let elsewhere_root = BearerChallenge {
            resource_metadata: Some(
                "https://other.test/.well-known/oauth-protected-resource".into(),
            ),
            ..Default::default()
        };
        assert_eq!(
            protected_resource_candidates(&server, Some(&elsewhere_root)).unwrap()[0].1,
            PrmSource::Challenge,
            "another origin's root document is no root document of this server"
        );
        let hostile = BearerChallenge {
            resource_metadata: Some("http://evil.test/prm".into()),
            ..Default::default()
        };
        assert!(protected_resource_candidates(&server, Some(&hostile)).is_err());
    }

    /// Issue 11 (2): the bare origin only from the root document; never another prefix.
    #[test]
    fn resource_match_rows() {
        use PrmSource::*;
        let server = "https://mcp.test/u/good/mcp";
        let rows = [
            ("identical", "https://mcp.test/u/good/mcp", Challenge, true),
            (
                "identical, path doc",
                "https://mcp.test/u/good/mcp",
                PathInserted,
                true,
            ),
            (
                "identical, root doc",
                "https://mcp.test/u/good/mcp",
                Root,
                true,
            ),
            (
                "trailing slash",
                "https://mcp.test/u/good/mcp/",
                Challenge,
                true,
            ),
            (
                "case of host",
                "https://MCP.test/u/good/mcp",
                PathInserted,
                true,
            ),
            (
                "origin from the challenge",
                "https://mcp.test",
                Challenge,
                false,
            ),
            (
                "origin from the path doc",
                "https://mcp.test/",
                PathInserted,
                false,
            ),
            ("origin from the root doc", "https://mcp.test", Root, true),
            (
                "origin with slash, root doc",
                "https://mcp.test/",
                Root,
                true,
            ),
            (
                "parent path from the challenge",
                "https://mcp.test/u",
                Challenge,
                false,
            ),
            (
                "parent path from the root doc",
                "https://mcp.test/u",
                Root,
                false,
            ),
            ("sibling", "https://mcp.test/u/evil/mcp", Challenge, false),
            ("other host", "https://evil.test/u/good/mcp", Root, false),
            ("other host origin, root", "https://evil.test", Root, false),
            (
                "prefix without separator",
                "https://mcp.test/u/good/mc",
                Challenge,
                false,
            ),
            (
                "origin with a query, root",
                "https://mcp.test?x=1",
                Root,
                false,
            ),
            ("not a url", "mcp", Root, false),
        ];
        for (name, prm, source, ok) in rows {
            assert_eq!(
                check_resource_matches(prm, server, source).is_ok(),
                ok,
                "{name}"
            );
        }
        // A server at the origin itself.
        assert!(check_resource_matches("https://mcp.test/", "https://mcp.test", Challenge).is_ok());
    }

    #[test]
    fn issuer_rows() {
        let rows = [
            (
                "identical",
                "https://as.test/t1",
                "https://as.test/t1",
                true,
            ),
            ("root slash", "https://as.test/", "https://as.test", true),
            (
                "other path",
                "https://as.test/t2",
                "https://as.test/t1",
                false,
            ),
            (
                "trailing slash on path",
                "https://as.test/t1/",
                "https://as.test/t1",
                false,
            ),
            ("case differs", "https://AS.test", "https://as.test", false),
            ("other host", "https://evil.test", "https://as.test", false),
        ];
        for (name, md, expected, ok) in rows {
            assert_eq!(check_issuer(md, expected).is_ok(), ok, "{name}");
        }
    }
}
