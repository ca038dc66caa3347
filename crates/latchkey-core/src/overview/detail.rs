//! The detail view of one server: where it signs in, how Latchkey registered, what was asked for
//! and granted, the times that matter, and its history from the audit log.

use serde::Serialize;
use ts_rs::TS;

use super::{ScopeChip, ServerView, chips};
use crate::context::Latchkey;
use crate::store::{GrantKind, GrantRow, RegistrationMethod};
use crate::{Error, Result, broker};

#[derive(Debug, Clone, Serialize, TS)]
pub struct ServerDetail {
    pub server: ServerView,
    /// The protected resource the tokens are bound to (RFC 8707).
    pub resource: Option<String>,
    pub issuer: Option<String>,
    /// The account shown in this detail (the default unless another was asked for).
    pub grant: Option<GrantDetail>,
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct GrantDetail {
    pub grant_id: i64,
    pub account: Option<String>,
    /// Public client identifier (never a secret).
    pub client_id: String,
    /// "Dynamic client registration (RFC 7591)", ...
    pub registered_by: String,
    pub requested_scopes: Vec<String>,
    pub granted_scopes: Vec<ScopeChip>,
    pub connected_at: i64,
    /// When the current access token was issued (the last refresh, or the sign-in).
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub next_refresh_at: Option<i64>,
    pub has_refresh_token: bool,
    /// How the tokens are obtained and renewed: "Browser sign-in", "Client credentials", ...
    pub obtained_by: String,
    /// `true`: Revoke tells the authorization server (RFC 7009); `false`: it can only remove the
    /// tokens here, and the server-side grant remains until it expires.
    pub revokes_at_server: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct HistoryEntry {
    pub at: i64,
    /// connected | refreshed | refresh_failed | needs_reconnect | revoked | revoked_locally |
    /// token_handed_out
    pub event: String,
    pub detail: Option<String>,
}

/// How a grant's tokens are obtained, as Details says it.
pub fn obtained_by(g: &GrantRow) -> String {
    let how = match g.obtained_by {
        GrantKind::Browser => "Browser sign-in (renewed with its refresh token)",
        GrantKind::Device => "Code entered on another device (renewed with its refresh token)",
        GrantKind::ClientCredentials => {
            "Client credentials (renewed with the client's own secret or key)"
        }
        GrantKind::Workload => {
            "Workload identity (renewed with the workload's JWT, read from its file)"
        }
        GrantKind::ViaIdp => {
            return format!(
                "Via {} (your company's identity provider; renewed with a new identity assertion from it){}",
                g.via_idp
                    .as_deref()
                    .unwrap_or("your company's identity provider"),
                bound_to_a_key(g)
            );
        }
    };
    format!("{how}{}", bound_to_a_key(g))
}

/// DPoP-bound tokens (RFC 9449) work only with the key Latchkey keeps for the grant.
fn bound_to_a_key(g: &GrantRow) -> &'static str {
    match g.dpop_bound {
        true => "; DPoP-bound: the tokens work only with the key Latchkey keeps for them",
        false => "",
    }
}

pub fn registered_by(method: RegistrationMethod) -> &'static str {
    match method {
        RegistrationMethod::Preregistered => "Client id given by you (pre-registered)",
        RegistrationMethod::MetadataDocument => "Client ID metadata document",
        RegistrationMethod::Dynamic => "Dynamic client registration (RFC 7591)",
        RegistrationMethod::LegacyDynamic => "Dynamic client registration (2025-03-26 fallback)",
        RegistrationMethod::Imported => "Imported with the sign-in another tool made",
    }
}

/// `grant_id`: which account to show (default: the server's default account).
pub fn build(
    lk: &Latchkey,
    server: ServerView,
    grant_id: Option<i64>,
    history_limit: usize,
) -> Result<ServerDetail> {
    let store = lk.store();
    let row = store
        .list_servers()?
        .into_iter()
        .find(|s| s.url == server.url);
    let Some(row) = row else {
        return Ok(ServerDetail {
            server,
            resource: None,
            issuer: None,
            grant: None,
            history: vec![],
        });
    };
    let grants = store.grants_for_server(row.id)?;
    let grant = match grant_id {
        Some(id) => Some(
            grants
                .iter()
                .find(|g| g.id == id)
                .ok_or_else(|| Error::InvalidInput(format!("no account {id} for this server")))?,
        ),
        None => grants.first(),
    };
    let grant = match grant {
        None => None,
        Some(g) => {
            let registration = store.registration(g.registration_id)?;
            let revokes_at_server = crate::disconnect::revokes_at_server(&store, &g.issuer)?;
            Some(GrantDetail {
                grant_id: g.id,
                account: g.account.clone(),
                client_id: registration
                    .as_ref()
                    .map(|r| r.client_id.clone())
                    .unwrap_or_default(),
                registered_by: registration
                    .map(|r| registered_by(r.method).to_string())
                    .unwrap_or_else(|| "Unknown (registration missing)".into()),
                requested_scopes: g.requested_scopes.to_vec(),
                granted_scopes: chips(&g.scopes),
                connected_at: g.created_at,
                issued_at: g.last_refreshed_at.unwrap_or(g.updated_at),
                expires_at: g.access_expires_at,
                next_refresh_at: broker::planned_refresh(g),
                has_refresh_token: g.has_refresh_token,
                obtained_by: obtained_by(g),
                revokes_at_server,
            })
        }
    };
    let history = store
        .audit_events(Some(&row.url), history_limit)?
        .into_iter()
        .map(|a| HistoryEntry {
            at: a.at,
            event: a.event,
            detail: a.detail,
        })
        .collect();
    Ok(ServerDetail {
        server,
        resource: row.resource,
        issuer: row.issuer,
        grant,
        history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::overview::status::tests::grant;
    use crate::store::GrantStatus;

    #[test]
    fn details_say_how_a_grant_was_obtained_and_whether_it_is_bound() {
        let mut g = grant(GrantStatus::Active, None, true);
        assert_eq!(
            obtained_by(&g),
            "Browser sign-in (renewed with its refresh token)"
        );
        g.obtained_by = GrantKind::Device;
        g.dpop_bound = true;
        let said = obtained_by(&g);
        assert!(said.starts_with("Code entered on another device"), "{said}");
        assert!(said.contains("DPoP-bound"), "{said}");
        g.obtained_by = GrantKind::ViaIdp;
        g.via_idp = Some("https://idp.example".into());
        assert!(obtained_by(&g).starts_with("Via https://idp.example "));
    }
}
