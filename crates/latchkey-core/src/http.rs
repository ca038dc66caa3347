//! The one HTTP client every outgoing OAuth call goes through, with the guards a token manager
//! needs: no automatic redirects (token and registration calls never follow one; discovery
//! follows only same-origin ones), capped body sizes, and time-outs.

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
        let secs = std::env::var("LATCHKEY_HTTP_TIMEOUT")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(30);
        Self::with_timeout(Duration::from_secs(secs))
    }

    pub fn with_timeout(timeout: Duration) -> Result<Self> {
        let inner = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("latchkey/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::network)?;
        Ok(Self {
            inner,
            max_body: MAX_BODY_BYTES,
        })
    }

    /// The underlying client, for streaming calls (the proxy) that manage their own bodies.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.inner
    }

    /// GET `url`, following at most three redirects and only within the same origin (a metadata
    /// document that redirects elsewhere is an SSRF vector and is refused).
    pub async fn get_same_origin(&self, url: &Url, accept: &str) -> Result<Fetched> {
        let mut current = url.clone();
        for _ in 0..=MAX_SAME_ORIGIN_REDIRECTS {
            let resp = self
                .inner
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
        let resp = self
            .inner
            .execute(request)
            .await
            .map_err(|e| describe_send_error(&url, e))?;
        self.read(url, resp).await
    }

    pub fn post(&self, url: &Url) -> reqwest::RequestBuilder {
        self.inner.post(url.clone())
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
            let mut builder = self.inner.request(parts.method, url).body(body);
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
