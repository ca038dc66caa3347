//! The checkup's steps, in the order a client takes them, each reported on its own.

use url::Url;

use super::documents::{self, Judged};
use super::{Checkup, Verdict, spec};
use crate::Secret;
use crate::http::HttpClient;
use crate::oauth::challenge::BearerChallenge;
use crate::oauth::discovery::{self, PrmSource};
use crate::oauth::metadata::{AuthServerMetadata, ProtectedResourceMetadata};
use crate::oauth::probe::{self, Probe};
use crate::oauth::registration;
use crate::{Error, Result, url_policy};

/// The checks that need the authorization server's metadata, skipped when there is none.
const NEED_METADATA: [&str; 6] = [
    "pkce",
    "registration",
    "dynamic_registration",
    "refresh_tokens",
    "scopes",
    "revocation",
];

/// Check the MCP server at `server`. `Err` only when `server` is not a URL Latchkey can use.
/// `token`: the person's own token for it (from a sign-in), to ask which MCP revisions it
/// speaks; without one that check is skipped.
pub async fn run(server: &str, token: Option<&Secret>) -> Result<Checkup> {
    let canonical = url_policy::canonical_resource(server)?;
    let url = Url::parse(&canonical)
        .map_err(|_| Error::InvalidInput(format!("'{server}' is not a URL")))?;
    let mut c = Checkup::new(&canonical);
    match url_policy::check_transport(&url, None) {
        Ok(()) if url.scheme() == "https" => {
            c.add("transport", Verdict::Ok, "https".into(), spec::TRANSPORT)
        }
        Ok(()) => c.add(
            "transport",
            Verdict::Ok,
            "plain http on a loopback address (allowed for local servers only)".into(),
            spec::TRANSPORT,
        ),
        Err(e) => c.add(
            "transport",
            Verdict::Failure,
            e.to_string(),
            spec::TRANSPORT,
        ),
    }
    let http = HttpClient::new()?.for_server(&url).await?;
    let challenge = match probe::probe(&http, &url).await {
        Err(e) => {
            c.add(
                "reachable",
                Verdict::Failure,
                e.to_string(),
                spec::TRANSPORT,
            );
            skip_the_rest(&mut c, "the server could not be reached");
            return Ok(c);
        }
        Ok(Probe::Open) => {
            c.add(
                "challenge",
                Verdict::Ok,
                "answered initialize without a token: no sign-in needed".into(),
                spec::CHALLENGE,
            );
            return Ok(c);
        }
        Ok(Probe::Unknown) => {
            c.add(
                "challenge",
                Verdict::Warning,
                "an initialize without a token got neither a 401 nor an MCP answer: clients cannot tell that it wants a sign-in".into(),
                spec::CHALLENGE,
            );
            None
        }
        Ok(Probe::Challenge(ch)) => {
            let (verdict, says) = match &ch.resource_metadata {
                Some(_) => (
                    Verdict::Ok,
                    "401 with a Bearer challenge naming resource_metadata",
                ),
                None => (
                    Verdict::Warning,
                    "401 without resource_metadata in WWW-Authenticate: clients must guess the well-known URL",
                ),
            };
            c.add("challenge", verdict, says.into(), spec::CHALLENGE);
            Some(ch)
        }
    };
    let prm = protected_resource(&mut c, &http, &url, &canonical, challenge.as_ref()).await;
    let Some(md) = auth_server(&mut c, &http, &url, prm.as_ref()).await else {
        skip_the_rest(&mut c, "no authorization server metadata to check");
        return Ok(c);
    };
    add(&mut c, "pkce", documents::pkce(&md));
    add(&mut c, "registration", documents::registration_offered(&md));
    dynamic_registration(&mut c, &http, &md).await;
    add(&mut c, "refresh_tokens", documents::refresh(&md));
    let advertised = prm
        .as_ref()
        .and_then(|p| p.scopes_supported.as_deref())
        .or(md.scopes_supported.as_deref());
    let challenged = challenge.as_ref().and_then(|ch| ch.scope.as_deref());
    add(&mut c, "scopes", documents::scopes(challenged, advertised));
    add(&mut c, "revocation", documents::revocation(&md));
    super::protocol::versions(&mut c, &http, &url, token).await;
    Ok(c)
}

fn add(c: &mut Checkup, check: &'static str, (verdict, says, spec): Judged) {
    c.add(check, verdict, says, spec);
}

fn skip_the_rest(c: &mut Checkup, why: &str) {
    for check in [
        "protected_resource_metadata",
        "authorization_server_metadata",
    ]
    .into_iter()
    .chain(NEED_METADATA)
    {
        if c.verdict_of(check).is_none() {
            c.add(check, Verdict::Skipped, why.into(), "");
        }
    }
}

/// RFC 9728: the document, where a client looks for it, and its `resource`.
async fn protected_resource(
    c: &mut Checkup,
    http: &HttpClient,
    url: &Url,
    canonical: &str,
    challenge: Option<&BearerChallenge>,
) -> Option<ProtectedResourceMetadata> {
    const CHECK: &str = "protected_resource_metadata";
    let candidates = match discovery::protected_resource_candidates(url, challenge) {
        Ok(list) => list,
        Err(e) => {
            c.add(CHECK, Verdict::Failure, e.to_string(), spec::PRM);
            return None;
        }
    };
    let urls: Vec<Url> = candidates.iter().map(|(u, _)| u.clone()).collect();
    let (at, doc) = match first_document::<ProtectedResourceMetadata>(
        c,
        http,
        &urls,
        (CHECK, spec::PRM, "protected-resource metadata"),
    )
    .await?
    {
        Found::Doc(at, doc) => (at, doc),
        Found::None(tried) => {
            c.add(
                CHECK,
                Verdict::Failure,
                format!(
                    "none found ({}): MCP servers must publish it since 2025-06-18",
                    tried.join(", ")
                ),
                spec::PRM,
            );
            return None;
        }
    };
    let (candidate, source) = &candidates[at];
    let how = match source {
        PrmSource::Challenge => "named by the 401",
        PrmSource::PathInserted => "at the path-aware well-known URL",
        PrmSource::Root => "at the origin's well-known URL",
    };
    c.add(
        CHECK,
        Verdict::Ok,
        format!("{candidate} ({how})"),
        spec::PRM,
    );
    add(
        c,
        "resource",
        documents::resource(&doc.resource, canonical, *source),
    );
    Some(doc)
}

/// RFC 8414: the first authorization server the resource names (or, with no protected-resource
/// metadata, the server's origin, as 2025-03-26 clients assume), and its `issuer`.
async fn auth_server(
    c: &mut Checkup,
    http: &HttpClient,
    url: &Url,
    prm: Option<&ProtectedResourceMetadata>,
) -> Option<AuthServerMetadata> {
    const CHECK: &str = "authorization_server_metadata";
    let issuer = match prm {
        Some(p) => match p.authorization_servers.first() {
            Some(i) => i.clone(),
            None => {
                c.add(
                    CHECK,
                    Verdict::Failure,
                    "the protected-resource metadata lists no authorization_servers".into(),
                    spec::PRM,
                );
                return None;
            }
        },
        None => url_policy::origin(url),
    };
    let issuer_url = match Url::parse(&issuer) {
        Ok(u)
            if !issuer
                .chars()
                .any(|ch| ch.is_control() || ch.is_whitespace()) =>
        {
            u
        }
        _ => {
            c.add(
                CHECK,
                Verdict::Failure,
                format!("authorization server '{issuer}' is not a URL"),
                spec::AS_METADATA,
            );
            return None;
        }
    };
    if let Err(e) = url_policy::check_transport(&issuer_url, Some(url)) {
        c.add(CHECK, Verdict::Failure, e.to_string(), spec::TRANSPORT);
        return None;
    }
    let candidates = match discovery::auth_server_candidates(&issuer_url) {
        Ok(list) => list,
        Err(e) => {
            c.add(CHECK, Verdict::Failure, e.to_string(), spec::AS_METADATA);
            return None;
        }
    };
    let (at, md) = match first_document::<AuthServerMetadata>(
        c,
        http,
        &candidates,
        (CHECK, spec::AS_METADATA, "authorization server metadata"),
    )
    .await?
    {
        Found::Doc(at, md) => (at, md),
        Found::None(tried) => {
            c.add(
                CHECK,
                Verdict::Failure,
                format!("none found for {issuer} ({})", tried.join(", ")),
                spec::AS_METADATA,
            );
            return None;
        }
    };
    c.add(
        CHECK,
        Verdict::Ok,
        candidates[at].to_string(),
        spec::AS_METADATA,
    );
    match discovery::check_issuer(&md.issuer, &issuer) {
        Ok(()) => c.add(
            "issuer",
            Verdict::Ok,
            format!("issuer is {issuer}"),
            spec::ISSUER,
        ),
        Err(e) => c.add("issuer", Verdict::Failure, e.to_string(), spec::ISSUER),
    }
    if let Err(e) = md.check_endpoints(url) {
        c.add(
            "endpoints",
            Verdict::Failure,
            e.to_string(),
            spec::TRANSPORT,
        );
    }
    Some(md)
}

/// What a look through well-known URLs found.
enum Found<T> {
    /// The document at `candidates[i]`.
    Doc(usize, T),
    /// No candidate answered 200: each with the status it gave.
    None(Vec<String>),
}

/// The first of `candidates` that answers 200 with a document, as a client looks (a 4xx means
/// "not here"). A failure (unreachable, not JSON, the wrong shape) is reported under the check
/// and ends the look: `None`.
async fn first_document<T: serde::de::DeserializeOwned>(
    c: &mut Checkup,
    http: &HttpClient,
    candidates: &[Url],
    (check, spec, what): (&'static str, &'static str, &str),
) -> Option<Found<T>> {
    let mut tried = Vec::new();
    for (i, candidate) in candidates.iter().enumerate() {
        let fetched = match http.get_same_origin(candidate, "application/json").await {
            Ok(f) => f,
            Err(e) => {
                c.add(check, Verdict::Failure, format!("{candidate}: {e}"), spec);
                return None;
            }
        };
        if fetched.status != 200 {
            tried.push(format!("{candidate} (HTTP {})", fetched.status));
            continue;
        }
        return match fetched.json::<T>(what) {
            Ok(doc) => Some(Found::Doc(i, doc)),
            Err(e) => {
                c.add(check, Verdict::Failure, e.to_string(), spec);
                None
            }
        };
    }
    Some(Found::None(tried))
}

/// RFC 7591, as a native client registers: a loopback redirect and the refresh_token grant.
/// The server keeps the client it registers (RFC 7591 has no way to delete it without RFC 7592).
async fn dynamic_registration(c: &mut Checkup, http: &HttpClient, md: &AuthServerMetadata) {
    const CHECK: &str = "dynamic_registration";
    let Some(endpoint) = md.registration_endpoint.as_deref() else {
        c.add(
            CHECK,
            Verdict::Skipped,
            "no registration_endpoint".into(),
            spec::DCR,
        );
        return;
    };
    let Ok(endpoint) = Url::parse(endpoint) else {
        c.add(
            CHECK,
            Verdict::Failure,
            format!("registration_endpoint '{endpoint}' is not a URL"),
            spec::DCR,
        );
        return;
    };
    let redirect = "http://127.0.0.1:33418/callback";
    let request =
        registration::registration_request(redirect, registration::method_to_request(md), false);
    let fetched = match http.send(http.post(&endpoint).json(&request)).await {
        Ok(f) => f,
        Err(e) => {
            c.add(CHECK, Verdict::Failure, e.to_string(), spec::DCR);
            return;
        }
    };
    let body: serde_json::Value = serde_json::from_slice(&fetched.body).unwrap_or_default();
    let field = |k: &str| body.get(k).and_then(|v| v.as_str()).unwrap_or("");
    if !matches!(fetched.status, 200 | 201) || field("client_id").is_empty() {
        let why = match (field("error"), field("error_description")) {
            ("", _) => String::new(),
            (e, "") => format!(": {e}"),
            (e, d) => format!(": {e} ({d})"),
        };
        c.add(
            CHECK,
            Verdict::Failure,
            format!(
                "refused a native client (loopback redirect, refresh_token grant) with HTTP {}{why}",
                fetched.status
            ),
            spec::DCR,
        );
        return;
    }
    let granted = |g: &str| {
        body.get("grant_types")
            .and_then(|v| v.as_array())
            .is_none_or(|a| a.iter().any(|x| x == g))
    };
    if granted("refresh_token") {
        c.add(
            CHECK,
            Verdict::Ok,
            "registered a native client with a loopback redirect and the refresh_token grant (the server keeps this test client)".into(),
            spec::DCR,
        );
    } else {
        c.add(
            CHECK,
            Verdict::Warning,
            "registered a native client, but without the refresh_token grant it asked for: its sign-ins will not renew".into(),
            spec::DCR,
        );
    }
}
