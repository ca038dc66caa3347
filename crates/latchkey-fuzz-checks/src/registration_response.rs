//! RFC 7591 dynamic client registration responses, read against a few fixed
//! authorization-server metadata documents (they differ in
//! `token_endpoint_auth_methods_supported`, which decides what happens to a client secret).
//!
//! Properties:
//! - never panics;
//! - an accepted registration has a non-blank `client_id`;
//! - a secret is kept exactly when the client will authenticate with it (auth method not
//!   `none`), and a kept secret is never empty.

use latchkey_core::oauth::metadata::AuthServerMetadata;
use latchkey_core::oauth::registration::parse_registration_response;
use latchkey_core::store::TokenAuthMethod;
use std::sync::OnceLock;

fn metadata() -> &'static [AuthServerMetadata] {
    static MD: OnceLock<Vec<AuthServerMetadata>> = OnceLock::new();
    MD.get_or_init(|| {
        let methods: [Option<&[&str]>; 5] = [
            None,
            Some(&["none"]),
            Some(&["client_secret_post"]),
            Some(&["client_secret_basic", "client_secret_post", "none"]),
            Some(&[]),
        ];
        methods
            .iter()
            .map(|m| {
                let mut md: AuthServerMetadata = serde_json::from_value(serde_json::json!({
                    "issuer": "https://as.example.com",
                    "authorization_endpoint": "https://as.example.com/authorize",
                    "token_endpoint": "https://as.example.com/token",
                    "registration_endpoint": "https://as.example.com/register",
                    "code_challenge_methods_supported": ["S256"],
                }))
                .unwrap();
                md.token_endpoint_auth_methods_supported =
                    m.map(|m| m.iter().map(|s| s.to_string()).collect());
                md
            })
            .collect()
    })
}

/// The property check, on one input (a fuzz target's body; a saved regression's replay).
pub fn check(data: &[u8]) {
    for md in metadata() {
        let Ok(client) = parse_registration_response(data, md) else {
            continue;
        };
        assert!(!client.client_id.trim().is_empty());
        match &client.client_secret {
            Some(s) => {
                assert!(!s.expose().is_empty());
                assert_ne!(client.auth_method, TokenAuthMethod::None);
            }
            None => assert_eq!(client.auth_method, TokenAuthMethod::None),
        }
    }
}
