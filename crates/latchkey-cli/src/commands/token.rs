use std::process::ExitCode;

use latchkey_core::audit::{self, Event};
use latchkey_core::broker;
use latchkey_core::oauth::dpop::DpopKey;
use latchkey_core::{Error, Result};

/// Print the server's access token. A DPoP-bound token is useless alone: it is printed only
/// with a proof for the one request named by `--dpop-proof METHOD URL`.
pub async fn run(server: &str, json: bool, dpop_proof: Option<Vec<String>>) -> Result<ExitCode> {
    let lk = super::open()?;
    let handed = broker::token(&lk, server, false).await?;
    let proof = match (&handed.dpop_key, dpop_proof.as_deref()) {
        (Some(kept), Some([method, url])) => {
            let url = url::Url::parse(url)
                .map_err(|_| Error::InvalidInput(format!("--dpop-proof: '{url}' is not a URL")))?;
            let key = DpopKey::from_secret(kept)?;
            Some(key.proof(
                &method.to_ascii_uppercase(),
                &url,
                Some(&handed.access_token),
                None,
            )?)
        }
        (Some(_), _) => {
            return Err(Error::InvalidInput(format!(
                "the token for {} is bound to a key Latchkey keeps (DPoP, RFC 9449): it works only with a proof made with that key for each request. Use the server through `latchkey proxy {}`, or ask for a proof for one request with `latchkey token {server} --dpop-proof METHOD URL`",
                handed.server.url, handed.server.url
            )));
        }
        (None, Some(_)) => {
            return Err(Error::InvalidInput(format!(
                "the token for {} is a Bearer token, not bound to a key: --dpop-proof does not apply",
                handed.server.url
            )));
        }
        (None, None) => None,
    };
    audit::record(
        &lk.store(),
        &handed.server.url,
        Some(handed.grant.id),
        Event::TokenHandedOut,
        Some(&format!("latchkey token (pid {})", std::process::id())),
    );
    let token_type = if proof.is_some() { "DPoP" } else { "Bearer" };
    if json {
        let mut out = serde_json::json!({
            "server": handed.server.url,
            "access_token": handed.access_token.expose(),
            "token_type": token_type,
            "expires_at": handed.expires_at,
            "scopes": handed.scopes,
            "account": handed.grant.account,
            "refreshed": handed.refreshed,
        });
        if let Some(p) = &proof {
            out["dpop_proof"] = p.expose().into();
        }
        println!("{out}");
    } else if let Some(p) = &proof {
        // The two headers of the one request, ready for curl -H.
        println!("Authorization: DPoP {}", handed.access_token.expose());
        println!("DPoP: {}", p.expose());
    } else {
        println!("{}", handed.access_token.expose());
    }
    Ok(ExitCode::SUCCESS)
}

/// The request headers as a JSON object, for a client that runs a command to get them (Claude
/// Code's `headersHelper`, Codex's `http_headers_helper`): the token refreshed first when due.
/// Without a usable grant the client cannot sign in through a helper: the server is marked as
/// waiting for a sign-in (the window and the tray say so) and the error says what to run.
pub async fn headers(server: &str) -> Result<ExitCode> {
    let lk = super::open()?;
    let handed = match broker::token(&lk, server, false).await {
        Ok(handed) => handed,
        Err(e @ (Error::NotConnected(_) | Error::NeedsReconnect(_))) => {
            if let Ok(row) = lk.find_server(server) {
                let _ = lk.store().set_sign_in_wanted(row.id, true);
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    if handed.dpop_key.is_some() {
        return Err(Error::InvalidInput(format!(
            "the token for {} is bound to a key Latchkey keeps (DPoP, RFC 9449): each request needs its own proof, which a header helper cannot give. Use the server through `latchkey proxy {}`",
            handed.server.url, handed.server.url
        )));
    }
    audit::record(
        &lk.store(),
        &handed.server.url,
        Some(handed.grant.id),
        Event::TokenHandedOut,
        Some(&format!(
            "latchkey token --header (pid {})",
            std::process::id()
        )),
    );
    let authorization = format!("Bearer {}", handed.access_token.expose());
    println!("{}", serde_json::json!({ "Authorization": authorization }));
    Ok(ExitCode::SUCCESS)
}
