//! Signed JWTs (compact JWS, RFC 7515) with the client's own private key: the RFC 7523 §2.2
//! client assertion that `private_key_jwt` sends in place of a secret.
//!
//! Signing goes through `aws-lc-rs`, the crypto library rustls (and so reqwest) already links;
//! the JWS framing (two base64url JSON parts and the signature) is small enough to write here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};

use crate::Secret;
use crate::{Error, Result};

/// How long a client assertion is valid: long enough for a slow token endpoint, short enough
/// that a copy is worth little (RFC 7523 §3 asks for a short expiry).
const ASSERTION_LIFETIME_SECS: i64 = 120;

/// The algorithms Latchkey signs with: what the MCP client credentials extension names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningAlg {
    Es256,
    Rs256,
}

impl SigningAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Rs256 => "RS256",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "ES256" => Ok(Self::Es256),
            "RS256" => Ok(Self::Rs256),
            _ => Err(Error::InvalidInput(format!(
                "--signing-alg {}: Latchkey signs with ES256 (a P-256 key) or RS256 (an RSA key)",
                crate::error::sanitize_server_text(s)
            ))),
        }
    }
}

enum KeyPair {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// A private key read from PEM. Debug never shows it.
pub struct SigningKey {
    pair: KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.alg().as_str())
    }
}

impl SigningKey {
    /// Read a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`), SEC1 (`BEGIN EC PRIVATE KEY`,
    /// P-256) or PKCS#1 (`BEGIN RSA PRIVATE KEY`). `wanted` must agree with the key when given.
    /// Errors name the problem, never the key's contents.
    pub fn from_pem(pem: &Secret, wanted: Option<SigningAlg>) -> Result<Self> {
        let der = PrivateKeyDer::from_pem_slice(pem.expose().as_bytes()).map_err(|_| {
            Error::InvalidInput(
                "the private key file holds no PEM private key (expected -----BEGIN PRIVATE KEY-----, EC PRIVATE KEY or RSA PRIVATE KEY; an encrypted key must be decrypted first)".into(),
            )
        })?;
        let ec = || {
            EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, der.secret_der())
        };
        let rsa = || match &der {
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            other => RsaKeyPair::from_pkcs8(other.secret_der()),
        };
        let pair = match (ec(), rsa()) {
            (Ok(k), _) => KeyPair::Ec(k),
            (_, Ok(k)) => KeyPair::Rsa(k),
            _ => {
                return Err(Error::InvalidInput(
                    "the private key is neither a P-256 (ES256) nor an RSA (RS256) key that Latchkey can use".into(),
                ));
            }
        };
        let key = Self { pair };
        if let Some(w) = wanted
            && w != key.alg()
        {
            return Err(Error::InvalidInput(format!(
                "--signing-alg {} does not fit the key, which is {} ({})",
                w.as_str(),
                match key.alg() {
                    SigningAlg::Es256 => "a P-256 key",
                    SigningAlg::Rs256 => "an RSA key",
                },
                key.alg().as_str()
            )));
        }
        Ok(key)
    }

    pub fn alg(&self) -> SigningAlg {
        match self.pair {
            KeyPair::Ec(_) => SigningAlg::Es256,
            KeyPair::Rsa(_) => SigningAlg::Rs256,
        }
    }

    /// `header.claims.signature`, with `alg` and `typ` in the header.
    pub fn sign(&self, typ: &str, claims: &serde_json::Value) -> Result<Secret> {
        let header = serde_json::json!({ "alg": self.alg().as_str(), "typ": typ });
        compact(&header, claims, |input| self.signature(input))
    }

    fn signature(&self, input: &[u8]) -> Result<Vec<u8>> {
        let rng = SystemRandom::new();
        let failed = |_| Error::Authorization("signing a JWT failed".into());
        Ok(match &self.pair {
            KeyPair::Ec(k) => k.sign(&rng, input).map_err(failed)?.as_ref().to_vec(),
            KeyPair::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, input, &mut sig)
                    .map_err(failed)?;
                sig
            }
        })
    }
}

/// A compact JWS: `base64url(header).base64url(claims).base64url(sign(those two))`.
pub fn compact(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>>,
) -> Result<Secret> {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = sign(input.as_bytes())?;
    Ok(Secret::new(format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    )))
}

/// The RFC 7523 §2.2 client assertion: issued by and about the client, for the authorization
/// server. The audience is the server's issuer identifier, as RFC 7523bis asks (the token
/// endpoint URL was allowed before and is ambiguous between servers).
pub fn client_assertion(key: &SigningKey, client_id: &str, issuer: &str) -> Result<Secret> {
    let now = crate::time::now();
    let jti = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    key.sign(
        "JWT",
        &serde_json::json!({
            "iss": client_id,
            "sub": client_id,
            "aud": issuer,
            "jti": jti,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        }),
    )
}

/// The form fields that carry a client assertion.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, KeyPair as _, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey,
    };

    fn pem(label: &str, der: &[u8]) -> Secret {
        use base64::engine::general_purpose::STANDARD;
        let body = STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        Secret::new(format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        ))
    }

    fn ec_pem() -> (Secret, Vec<u8>) {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref()).unwrap();
        (
            pem("PRIVATE KEY", doc.as_ref()),
            pair.public_key().as_ref().to_vec(),
        )
    }

    fn parts(jwt: &Secret) -> (serde_json::Value, serde_json::Value, String) {
        let p: Vec<&str> = jwt.expose().split('.').collect();
        assert_eq!(p.len(), 3);
        let json = |s: &str| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap();
        (json(p[0]), json(p[1]), format!("{}.{}", p[0], p[1]))
    }

    #[test]
    fn an_es256_assertion_verifies_with_the_public_key_and_says_who_and_for_whom() {
        let (pem, public) = ec_pem();
        let key = SigningKey::from_pem(&pem, Some(SigningAlg::Es256)).unwrap();
        let jwt = client_assertion(&key, "machine-1", "https://as.example").unwrap();
        let (header, claims, input) = parts(&jwt);
        assert_eq!(header["alg"], "ES256");
        assert_eq!(claims["iss"], "machine-1");
        assert_eq!(claims["sub"], "machine-1");
        assert_eq!(claims["aud"], "https://as.example");
        assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
        let sig = URL_SAFE_NO_PAD
            .decode(jwt.expose().rsplit('.').next().unwrap())
            .unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(input.as_bytes(), &sig)
            .expect("the signature verifies");
        // Two assertions never share a jti (replay protection at the server).
        let again = parts(&client_assertion(&key, "machine-1", "https://as.example").unwrap()).1;
        assert_ne!(claims["jti"], again["jti"]);
    }

    #[test]
    fn an_rs256_key_in_pkcs1_signs_rs256() {
        // A 2048-bit RSA key made by `openssl genrsa -traditional 2048` for this test only.
        let pem = Secret::new(include_str!("testdata/rsa-pkcs1.pem"));
        let key = SigningKey::from_pem(&pem, None).unwrap();
        assert_eq!(key.alg(), SigningAlg::Rs256);
        let jwt = key.sign("JWT", &serde_json::json!({"a": 1})).unwrap();
        let (header, _, input) = parts(&jwt);
        assert_eq!(header["alg"], "RS256");
        let pair = match &key.pair {
            KeyPair::Rsa(k) => k,
            KeyPair::Ec(_) => unreachable!(),
        };
        let sig = URL_SAFE_NO_PAD
            .decode(jwt.expose().rsplit('.').next().unwrap())
            .unwrap();
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pair.public_key().as_ref())
            .verify(input.as_bytes(), &sig)
            .expect("the signature verifies");
    }

    #[test]
    fn bad_key_files_get_clear_errors_without_their_contents() {
        let (ec, _) = ec_pem();
        let rows = [
            (
                "not PEM",
                Secret::new("hello canary"),
                None,
                "no PEM private key",
            ),
            (
                "a certificate",
                pem("CERTIFICATE", b"canary-not-a-key"),
                None,
                "no PEM private key",
            ),
            (
                "garbage in a key block",
                pem("PRIVATE KEY", b"canary-garbage"),
                None,
                "neither a P-256",
            ),
            (
                "alg mismatch",
                ec,
                Some(SigningAlg::Rs256),
                "does not fit the key",
            ),
        ];
        for (name, pem, wanted, words) in rows {
            let e = SigningKey::from_pem(&pem, wanted).unwrap_err().to_string();
            assert!(e.contains(words), "{name}: {e}");
            assert!(!e.contains("canary"), "{name}: {e}");
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let (pem, _) = ec_pem();
        let key = SigningKey::from_pem(&pem, None).unwrap();
        assert_eq!(format!("{key:?}"), "SigningKey(ES256)");
    }
}
