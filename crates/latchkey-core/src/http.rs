//! The one HTTP client every outgoing OAuth call goes through, with the guards a token manager
//! needs: no automatic redirects (token and registration calls never follow one; discovery
//! follows only same-origin ones), capped body sizes, and time-outs.
//!
//! Server-side request forgery: a public MCP server chooses the URLs of its authorization
//! server's endpoints, and could point them at this machine's loopback services, the home
//! network or the cloud metadata address. [`HttpClient::for_server`] gives the client for the
//! calls made on a server's behalf: for a public server it refuses every address that is not
//! public ([`url_policy::is_public_address`]), checking the address it connects to (its DNS
//! resolver drops the others), so a name cannot resolve to one address for the check and
//! another for the connection. A server on loopback or a private network keeps its private
//! authorization server.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use url::Url;

use crate::{Error, Result, url_policy};

/// Bodies larger than this are refused (metadata, token and registration responses are tiny).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
const MAX_SAME_ORIGIN_REDIRECTS: usize = 3;

#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    /// The same client with a resolver that keeps public addresses only (made when needed).
    public: Arc<OnceLock<reqwest::Client>>,
    /// This client acts for a public MCP server: only public addresses.
    public_only: bool,
    timeout: Duration,
    max_body: usize,
}

/// A response whose body has been read (within the cap). Its `Debug` shows the status, the
/// header names and the body's length only: token and registration bodies hold secrets.
pub struct Fetched {
    pub url: Url,
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: bytes::Bytes,
}

impl std::fmt::Debug for Fetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetched")
            .field("url", &self.url.as_str())
            .field("status", &self.status)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

impl Fetched {
    pub fn json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T> {
        // serde's message can quote the document's own strings: make them printable.
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::Discovery(format!(
                "{what} at {} is not valid JSON: {}",
                self.url,
                crate::error::sanitize_server_text(&e.to_string())
            ))
        })
    }
}

impl HttpClient {
    /// Default client: 30 s per request (`LATCHKEY_HTTP_TIMEOUT` seconds overrides it).
    pub fn new() -> Result<Self> {
        Self::with_timeout(crate::tuning::Tuning::get().http_timeout)
    }

    pub fn with_timeout(timeout: Duration) -> Result<Self> {
        Ok(Self {
            inner: build(timeout, None)?,
            public: Arc::new(OnceLock::new()),
            public_only: false,
            timeout,
            max_body: MAX_BODY_BYTES,
        })
    }

    /// The client for the OAuth calls made on behalf of the MCP server at `server`: restricted
    /// to public addresses when the server itself is public (see the module docs).
    pub async fn for_server(&self, server: &Url) -> Result<HttpClient> {
        if !is_public_server(server).await {
            return Ok(self.clone());
        }
        if self.public.get().is_none() {
            let _ = self
                .public
                .set(build(self.timeout, Some(Arc::new(PublicOnlyResolver)))?);
        }
        Ok(HttpClient {
            public_only: true,
            ..self.clone()
        })
    }

    /// The reqwest client to send with: the public-only one when acting for a public server.
    fn client(&self) -> &reqwest::Client {
        match (self.public_only, self.public.get()) {
            (true, Some(public)) => public,
            _ => &self.inner,
        }
    }

    /// Refuse, before any connection, a URL a public server's calls must not reach: an address
    /// that is not public (written as an IP, or a name that resolves to nothing else).
    async fn check_reach(&self, url: &Url) -> Result<()> {
        if !self.public_only || crate::test_hooks::treated_as_public(url) {
            return Ok(());
        }
        let refused = |what: &str| Error::Insecure {
            url: url_policy::origin(url),
            reason: format!(
                "{what}, and the MCP server is public: its authorization server's endpoints must be on the public internet too (Latchkey refuses to be pointed at this machine, the local network or cloud metadata addresses)"
            ),
        };
        match url.host() {
            Some(url::Host::Ipv4(ip)) if !url_policy::is_public_address(ip.into()) => {
                Err(refused("it is a private, loopback or link-local address"))
            }
            Some(url::Host::Ipv6(ip)) if !url_policy::is_public_address(ip.into()) => {
                Err(refused("it is a private, loopback or link-local address"))
            }
            Some(url::Host::Domain(name)) => {
                let port = url.port_or_known_default().unwrap_or(443);
                match public_addresses(name, port).await {
                    Ok(found) if found.is_empty() => Err(refused(&format!(
                        "{name} resolves only to private, loopback or link-local addresses"
                    ))),
                    // A name that does not resolve fails at the connection, with its message.
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// The underlying client, for streaming calls (the proxy) that manage their own bodies.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.inner
    }

    /// GET `url`, following at most three redirects and only within the same origin (a metadata
    /// document that redirects elsewhere is an SSRF vector and is refused).
    pub async fn get_same_origin(&self, url: &Url, accept: &str) -> Result<Fetched> {
        self.check_reach(url).await?;
        let mut current = url.clone();
        for _ in 0..=MAX_SAME_ORIGIN_REDIRECTS {
            let resp = self
                .client()
                .get(current.clone())
                .header(http::header::ACCEPT, accept)
                .send()
                .await
                .map_err(|e| describe_send_error(&current, e))?;
            if resp.status().is_redirection() {
                let location = resp
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        Error::Discovery(format!("{current} redirected without a Location"))
                    })?;
                let next = current.join(location).map_err(|_| {
                    Error::Discovery(format!("{current} redirected to an invalid URL"))
                })?;
                if url_policy::origin(&next) != url_policy::origin(url) {
                    return Err(Error::Discovery(format!(
                        "{current} redirected to another origin ({}); refusing to follow",
                        url_policy::origin(&next)
                    )));
                }
                current = next;
                continue;
            }
            return self.read(current, resp).await;
        }
        Err(Error::Discovery(format!("too many redirects from {url}")))
    }

    /// Send a prepared request without following redirects and read the capped body.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<Fetched> {
        let request = request.build().map_err(Error::network)?;
        let url = request.url().clone();
        self.check_reach(&url).await?;
        let resp = self
            .client()
            .execute(request)
            .await
            .map_err(|e| describe_send_error(&url, e))?;
        self.read(url, resp).await
    }

    pub fn post(&self, url: &Url) -> reqwest::RequestBuilder {
        self.client().post(url.clone())
    }

    async fn read(&self, url: Url, resp: reqwest::Response) -> Result<Fetched> {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if resp
            .content_length()
            .is_some_and(|n| n as usize > self.max_body)
        {
            return Err(too_large(&url, self.max_body));
        }
        let mut body = bytes::BytesMut::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| describe_send_error(&url, e))?;
            if body.len() + chunk.len() > self.max_body {
                return Err(too_large(&url, self.max_body));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url,
            status,
            headers,
            body: body.freeze(),
        })
    }
}

fn build(
    timeout: Duration,
    resolver: Option<Arc<dyn reqwest::dns::Resolve>>,
) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("latchkey/", env!("CARGO_PKG_VERSION")));
    if let Some(resolver) = resolver {
        builder = builder.dns_resolver(resolver);
    }
    builder.build().map_err(Error::network)
}

/// Whether the MCP server at `server` is on the public internet: an IP that is public, or a
/// name whose every address is. A name that does not resolve counts as public (the stricter
/// choice; its calls fail anyway).
async fn is_public_server(server: &Url) -> bool {
    if crate::test_hooks::treated_as_public(server) {
        return true;
    }
    match server.host() {
        Some(url::Host::Ipv4(ip)) => url_policy::is_public_address(ip.into()),
        Some(url::Host::Ipv6(ip)) => url_policy::is_public_address(ip.into()),
        Some(url::Host::Domain(name)) => {
            let port = server.port_or_known_default().unwrap_or(443);
            match tokio::net::lookup_host((name, port)).await {
                Ok(addrs) => {
                    let addrs: Vec<SocketAddr> = addrs.collect();
                    addrs.is_empty() || addrs.iter().all(|a| url_policy::is_public_address(a.ip()))
                }
                Err(_) => true,
            }
        }
        None => true,
    }
}

async fn public_addresses(name: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    Ok(tokio::net::lookup_host((name, port))
        .await?
        .filter(|a| url_policy::is_public_address(a.ip()))
        .collect())
}

/// The DNS resolver of the client acting for a public server: the addresses it hands the
/// connector are public ones only, so the connection goes where the check said.
#[derive(Debug)]
struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found = public_addresses(name.as_str(), 0).await?;
            if found.is_empty() {
                let e = std::io::Error::other(format!(
                    "{} resolves only to addresses a public server may not use",
                    name.as_str()
                ));
                return Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn too_large(url: &Url, cap: usize) -> Error {
    Error::Discovery(format!(
        "response from {url} is larger than {} KiB; refusing it",
        cap / 1024
    ))
}

fn describe_send_error(url: &Url, e: reqwest::Error) -> Error {
    // reqwest's Display can include the URL, which never holds a secret here (tokens travel in
    // headers and bodies only); keep its source chain short.
    if e.is_timeout() {
        Error::Network(format!("{url} did not answer in time"))
    } else if e.is_connect() {
        Error::Network(format!("cannot connect to {}", url_policy::origin(url)))
    } else {
        Error::Network(format!(
            "request to {} failed: {}",
            url_policy::origin(url),
            e.without_url()
        ))
    }
}

/// Error type for the `oauth2` crate's HTTP hook.
/// Carries the core [`Error`] through the crate so its kind (network vs. invalid) survives.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OAuthHttpError(pub Error);

impl<'c> oauth2::AsyncHttpClient<'c> for HttpClient {
    type Error = OAuthHttpError;
    type Future = std::pin::Pin<
        Box<
            dyn Future<Output = std::result::Result<oauth2::HttpResponse, Self::Error>> + Send + 'c,
        >,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = Url::parse(&parts.uri.to_string())
                .map_err(|e| OAuthHttpError(Error::Discovery(format!("bad endpoint URL: {e}"))))?;
            let mut builder = self.client().request(parts.method, url).body(body);
            for (name, value) in parts.headers.iter() {
                builder = builder.header(name, value);
            }
            let fetched = self.send(builder).await.map_err(OAuthHttpError)?;
            // OAuth errors come as 400/401 with JSON. A 5xx or 429 is the server having trouble:
            // a passing failure, never a verdict on the grant, whatever its body says.
            if fetched.status >= 500 || fetched.status == 429 {
                return Err(OAuthHttpError(Error::Network(format!(
                    "{} answered HTTP {}; try again later",
                    url_policy::origin(&fetched.url),
                    fetched.status
                ))));
            }
            let mut response = http::Response::builder().status(fetched.status);
            for (name, value) in fetched.headers.iter() {
                response = response.header(name, value);
            }
            response
                .body(fetched.body.to_vec())
                .map_err(|e| OAuthHttpError(Error::Network(e.to_string())))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 11 (7): acting for a public server, the client refuses loopback, private and
    /// link-local targets (by address and by name) before connecting; acting for a local
    /// server it does not.
    #[tokio::test]
    async fn a_public_servers_calls_stay_on_the_public_internet() {
        let base = HttpClient::with_timeout(Duration::from_secs(2)).unwrap();
        let public = base
            .for_server(&Url::parse("https://93.184.216.34/mcp").unwrap())
            .await
            .unwrap();
        for inward in [
            "http://127.0.0.1:9/token",
            "http://localhost:9/token",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/register",
            "https://[::1]:9/token",
            "https://[::ffff:192.168.1.1]/x",
        ] {
            let err = public
                .get_same_origin(&Url::parse(inward).unwrap(), "application/json")
                .await
                .unwrap_err();
            assert!(
                err.to_string().contains("the MCP server is public"),
                "{inward}: {err}"
            );
        }
        // The resolver itself drops what the check would refuse (a name that changes its
        // answer between the check and the connection gets no inward address either).
        use reqwest::dns::Resolve;
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        assert!(PublicOnlyResolver.resolve(name).await.is_err());

        let local = base
            .for_server(&Url::parse("http://127.0.0.1:9/mcp").unwrap())
            .await
            .unwrap();
        let err = local
            .get_same_origin(
                &Url::parse("http://127.0.0.1:9/token").unwrap(),
                "application/json",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Network(_)),
            "a local server's calls go out: {err}"
        );
    }

    /// Issue 11 (14): a fetched token response printed with `{:?}` (a log line, a panic) shows
    /// no byte of its body.
    #[test]
    fn debug_of_a_fetched_body_shows_no_secret() {
        let fetched = Fetched {
            url: Url::parse("https://as.test/token").unwrap(),
            status: 200,
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from_static(br#"{"access_token":"at-supersecret"}"#),
        };
        let shown = format!("{fetched:?}");
        assert!(!shown.contains("supersecret"), "{shown}");
        assert!(shown.contains("33 bytes"), "{shown}");
    }
}
