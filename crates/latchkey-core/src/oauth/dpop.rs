//! DPoP (RFC 9449; MCP SEP-1932): tokens bound to a key pair Latchkey made for the grant, so
//! a copied token is useless without the key.
//!
//! - [`DpopKey`]: a P-256 key per grant, kept (PKCS#8) with the grant's tokens in the secret
//!   store; proofs are ES256 JWTs (`typ` `dpop+jwt`, the public key as `jwk`, a fresh `jti`,
//!   `htm`, `htu` without query or fragment, `iat`, and `ath` when a token is presented).
//! - [`DpopHttp`]: the token endpoint client for a bound grant: a proof on every request, and
//!   one retry with the server's nonce on `use_dpop_nonce` (RFC 9449 §8).
//!
//! The MCP server side (proof per request, its nonces) is the proxy's.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use url::Url;

use crate::Secret;
use crate::http::{HttpClient, OAuthHttpError};
use crate::{Error, Result};

/// A grant's proof-of-possession key. Debug shows only its thumbprint.
pub struct DpopKey {
    pair: EcdsaKeyPair,
    jwk: serde_json::Value,
    thumbprint: String,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DpopKey({})", self.thumbprint)
    }
}

impl DpopKey {
    /// A new key, and what to keep of it (its PKCS#8, base64url) in the secret store.
    pub fn generate() -> Result<(Self, Secret)> {
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| Error::Authorization("cannot make a DPoP key".into()))?;
        let kept = Secret::new(URL_SAFE_NO_PAD.encode(doc.as_ref()));
        Ok((Self::from_secret(&kept)?, kept))
    }

    /// The key kept with a grant's tokens.
    pub fn from_secret(kept: &Secret) -> Result<Self> {
        let bad = || Error::Store("the grant's DPoP key in the secret store is damaged".into());
        let der = URL_SAFE_NO_PAD.decode(kept.expose()).map_err(|_| bad())?;
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der).map_err(|_| bad())?;
        // The public key is the uncompressed point 0x04 || x || y (32 bytes each).
        let point = pair.public_key().as_ref();
        if point.len() != 65 || point[0] != 4 {
            return Err(bad());
        }
        let (x, y) = (
            URL_SAFE_NO_PAD.encode(&point[1..33]),
            URL_SAFE_NO_PAD.encode(&point[33..]),
        );
        let thumbprint = thumbprint_of(&x, &y);
        let jwk = serde_json::json!({"kty": "EC", "crv": "P-256", "x": x, "y": y});
        Ok(Self {
            pair,
            jwk,
            thumbprint,
        })
    }

    /// RFC 7638 thumbprint of the public key: what a bound token's `cnf.jkt` holds.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A proof for one request: `method` to `url` (query and fragment left out), presenting
    /// `access_token` (its hash as `ath`) when given, with the server's `nonce` when it asked.
    pub fn proof(
        &self,
        method: &str,
        url: &Url,
        access_token: Option<&Secret>,
        nonce: Option<&str>,
    ) -> Result<Secret> {
        let mut claims = serde_json::json!({
            "jti": URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>()),
            "htm": method,
            "htu": htu(url),
            "iat": crate::time::now(),
        });
        if let Some(token) = access_token {
            claims["ath"] = URL_SAFE_NO_PAD
                .encode(digest(&SHA256, token.expose().as_bytes()))
                .into();
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        let header = serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk});
        super::jws::compact(&header, &claims, |input| {
            self.pair
                .sign(&SystemRandom::new(), input)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| Error::Authorization("signing a DPoP proof failed".into()))
        })
    }
}

/// RFC 7638 thumbprint of a P-256 public key: SHA-256 of the required members in
/// lexicographic order, without spaces.
fn thumbprint_of(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(digest(&SHA256, canonical.as_bytes()))
}

/// RFC 9449 §4.2: the request URI without query and fragment.
pub fn htu(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// The nonce a server asks for (RFC 9449 §8, §9): its `DPoP-Nonce` header, when printable.
pub fn nonce_of(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get("dpop-nonce")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 1024)
        .map(str::to_string)
}

/// The token endpoint, for a DPoP-bound grant: every request carries a proof; a
/// `use_dpop_nonce` answer is retried once with the server's nonce.
pub struct DpopHttp<'a> {
    pub http: &'a HttpClient,
    pub key: &'a DpopKey,
}

impl<'c> oauth2::AsyncHttpClient<'c> for DpopHttp<'_> {
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
            let mut nonce: Option<String> = None;
            for attempt in 0..2 {
                let proof = self
                    .key
                    .proof(parts.method.as_str(), &url, None, nonce.as_deref())
                    .map_err(OAuthHttpError)?;
                let mut request = http::Request::builder()
                    .method(parts.method.clone())
                    .uri(parts.uri.clone());
                for (name, value) in parts.headers.iter() {
                    request = request.header(name, value);
                }
                let request = request
                    .header("DPoP", proof.expose())
                    .body(body.clone())
                    .map_err(|e| OAuthHttpError(Error::Network(e.to_string())))?;
                let response = self.http.call(request).await?;
                let asked = nonce_of(response.headers());
                if attempt == 0
                    && response.status() == 400
                    && asked.is_some()
                    && is_use_dpop_nonce(response.body())
                {
                    nonce = asked;
                    continue;
                }
                return Ok(response);
            }
            unreachable!("the loop returns on its second attempt")
        })
    }
}

fn is_use_dpop_nonce(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("error")
                .and_then(|e| e.as_str())
                .map(|e| e == "use_dpop_nonce")
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    fn decode(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn a_proof_has_what_rfc_9449_asks_and_verifies_with_its_own_jwk() {
        let (key, kept) = DpopKey::generate().unwrap();
        let again = DpopKey::from_secret(&kept).unwrap();
        assert_eq!(
            key.thumbprint(),
            again.thumbprint(),
            "the kept key is the same key"
        );
        let url = Url::parse("https://mcp.example/mcp?x=1#frag").unwrap();
        let token = Secret::new("at-canary");
        let proof = key.proof("POST", &url, Some(&token), Some("n-1")).unwrap();
        let parts: Vec<&str> = proof.expose().split('.').collect();
        let (header, claims) = (decode(parts[0]), decode(parts[1]));
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert!(
            header["jwk"].get("d").is_none(),
            "no private key in the header"
        );
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], "https://mcp.example/mcp");
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(
            claims["ath"],
            URL_SAFE_NO_PAD.encode(digest(&SHA256, b"at-canary"))
        );
        assert!(!proof.expose().contains("at-canary"));
        // The signature verifies with the public key the header carries.
        let x = URL_SAFE_NO_PAD
            .decode(header["jwk"]["x"].as_str().unwrap())
            .unwrap();
        let y = URL_SAFE_NO_PAD
            .decode(header["jwk"]["y"].as_str().unwrap())
            .unwrap();
        let point = [&[4u8][..], &x, &y].concat();
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .expect("the proof verifies");
        // Every proof is fresh.
        let other = key.proof("POST", &url, Some(&token), None).unwrap();
        assert_ne!(
            decode(other.expose().split('.').nth(1).unwrap())["jti"],
            claims["jti"]
        );
        assert!(format!("{key:?}").starts_with("DpopKey("));
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s() {
        // The P-256 key of RFC 7515 A.3; the expected value was computed independently with
        // `jose.calculateJwkThumbprint` (what servers use to check `cnf.jkt`).
        assert_eq!(
            thumbprint_of(
                "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
            ),
            "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"
        );
    }

    #[test]
    fn a_damaged_kept_key_is_an_error_without_its_bytes() {
        for bad in ["!!!", "AAAA"] {
            let e = DpopKey::from_secret(&Secret::new(bad))
                .unwrap_err()
                .to_string();
            assert!(e.contains("damaged"), "{e}");
        }
    }

    /// A token endpoint that asks for a new nonce every time gets one retry, not a loop: its
    /// second answer comes back as it is (an OAuth error the caller reports).
    #[tokio::test]
    async fn a_nonce_loop_gets_one_retry() {
        use oauth2::AsyncHttpClient as _;
        use std::sync::atomic::{AtomicUsize, Ordering};
        static HITS: AtomicUsize = AtomicUsize::new(0);
        let app = axum::Router::new().route(
            "/token",
            axum::routing::post(|headers: http::HeaderMap| async move {
                let n = HITS.fetch_add(1, Ordering::SeqCst);
                assert!(
                    headers.get("dpop").is_some(),
                    "every request carries a proof"
                );
                (
                    http::StatusCode::BAD_REQUEST,
                    [
                        ("dpop-nonce", format!("nonce-{n}")),
                        ("content-type", "application/json".to_string()),
                    ],
                    r#"{"error":"use_dpop_nonce"}"#,
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let http = HttpClient::new().unwrap();
        let (key, _) = DpopKey::generate().unwrap();
        let client = DpopHttp {
            http: &http,
            key: &key,
        };
        let request = http::Request::builder()
            .method("POST")
            .uri(format!("http://127.0.0.1:{port}/token"))
            .body(b"grant_type=refresh_token".to_vec())
            .unwrap();
        let response = client.call(request).await.unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(
            HITS.load(Ordering::SeqCst),
            2,
            "one retry with the nonce, then stop"
        );
    }
}
