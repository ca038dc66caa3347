//! The store's reads and writes, one small function each.

use rusqlite::{OptionalExtension, Row, params};

use super::ReconnectReason;
use super::Store;
use super::model::*;
use crate::time::now;
use crate::{Error, Result};

fn server_from(row: &Row) -> rusqlite::Result<ServerRow> {
    Ok(ServerRow {
        id: row.get("id")?,
        url: row.get("url")?,
        resource: row.get("resource")?,
        issuer: row.get("issuer")?,
        created_at: row.get("created_at")?,
        needs_sign_in: row.get("needs_sign_in")?,
        sign_in_wanted_at: row.get("sign_in_wanted_at")?,
    })
}

fn registration_from(row: &Row) -> rusqlite::Result<RegistrationRow> {
    let auth: String = row.get("auth_method")?;
    Ok(RegistrationRow {
        id: row.get("id")?,
        issuer: row.get("issuer")?,
        client_id: row.get("client_id")?,
        method: RegistrationMethod::parse(&row.get::<_, String>("method")?),
        auth_method: TokenAuthMethod::parse(&auth).unwrap_or(TokenAuthMethod::None),
        redirect_uri: row.get("redirect_uri")?,
        has_secret: row.get("has_secret")?,
        created_at: row.get("created_at")?,
    })
}

fn idp_from(row: &Row) -> rusqlite::Result<IdpRow> {
    Ok(IdpRow {
        issuer: row.get("issuer")?,
        registration_id: row.get("registration_id")?,
        id_token_file: row.get("id_token_file")?,
        created_at: row.get("created_at")?,
    })
}

fn grant_from(row: &Row) -> rusqlite::Result<GrantRow> {
    Ok(GrantRow {
        id: row.get("id")?,
        server_id: row.get("server_id")?,
        registration_id: row.get("registration_id")?,
        issuer: row.get("issuer")?,
        resource: row.get("resource")?,
        account: row.get("account")?,
        scopes: Scopes::parse(&row.get::<_, String>("scopes")?),
        requested_scopes: Scopes::parse(&row.get::<_, String>("requested_scopes")?),
        status: GrantStatus::parse(&row.get::<_, String>("status")?),
        status_reason: row
            .get::<_, Option<String>>("status_reason")?
            .map(|text| ReconnectReason::from_column(&text)),
        access_expires_at: row.get("access_expires_at")?,
        has_refresh_token: row.get("has_refresh_token")?,
        is_default: row.get("is_default")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        last_refreshed_at: row.get("last_refreshed_at")?,
        obtained_by: GrantKind::parse(&row.get::<_, String>("obtained_by")?),
        workload_token_file: row.get("workload_token_file")?,
        via_idp: row.get("via_idp")?,
        dpop_bound: row.get("dpop_bound")?,
    })
}

impl Store {
    // ---- meta --------------------------------------------------------------------------------

    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Where shared secret stores keep this home's items (see `secrets::layout`): 1 or 2.
    pub fn secret_layout(&self) -> Result<u32> {
        Ok(self
            .meta("secret_layout")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(1))
    }

    pub fn set_secret_layout(&self, layout: u32) -> Result<()> {
        self.set_meta("secret_layout", &layout.to_string())
    }

    /// The person said "Not now" to the window's setup view (it opens again from Settings).
    pub fn setup_dismissed(&self) -> Result<bool> {
        Ok(self.meta("setup_dismissed")?.as_deref() == Some("1"))
    }

    pub fn set_setup_dismissed(&self, dismissed: bool) -> Result<()> {
        self.set_meta("setup_dismissed", if dismissed { "1" } else { "0" })
    }

    // ---- protocol cache ----------------------------------------------------------------

    /// The MCP protocol the server at `url` was last found to speak.
    pub fn cached_protocol(&self, url: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT protocol FROM protocol_cache WHERE url = ?1",
                [url],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn cache_protocol(&self, url: &str, protocol: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO protocol_cache (url, protocol, checked_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(url) DO UPDATE SET protocol = excluded.protocol, checked_at = excluded.checked_at",
            params![url, protocol, now()],
        )?;
        Ok(())
    }

    // ---- servers -------------------------------------------------------------------------

    /// The server with this canonical URL, created when new.
    pub fn upsert_server(&self, url: &str) -> Result<ServerRow> {
        self.conn().execute(
            "INSERT INTO servers (url, created_at) VALUES (?1, ?2) ON CONFLICT(url) DO NOTHING",
            params![url, now()],
        )?;
        Ok(self
            .conn()
            .query_row("SELECT * FROM servers WHERE url = ?1", [url], server_from)?)
    }

    pub fn set_server_discovery(&self, id: i64, resource: &str, issuer: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE servers SET resource = ?2, issuer = ?3 WHERE id = ?1",
            params![id, resource, issuer],
        )?;
        Ok(())
    }

    /// A client needs a sign-in here that could not happen by itself (`true`: now), or a
    /// sign-in happened (`false`).
    pub fn set_sign_in_wanted(&self, id: i64, wanted: bool) -> Result<()> {
        self.conn().execute(
            "UPDATE servers SET sign_in_wanted_at = ?2 WHERE id = ?1",
            params![id, wanted.then(now)],
        )?;
        Ok(())
    }

    pub fn set_server_needs_sign_in(&self, id: i64, needs: bool) -> Result<()> {
        self.conn().execute(
            "UPDATE servers SET needs_sign_in = ?2 WHERE id = ?1",
            params![id, needs],
        )?;
        Ok(())
    }

    pub fn list_servers(&self) -> Result<Vec<ServerRow>> {
        let mut stmt = self.conn().prepare("SELECT * FROM servers ORDER BY url")?;
        let rows = stmt.query_map([], server_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The server stored under this canonical URL (`url_policy::canonical_resource`).
    pub fn server_by_url(&self, canonical: &str) -> Result<Option<ServerRow>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT * FROM servers WHERE url = ?1",
                [canonical],
                server_from,
            )
            .optional()?)
    }

    pub fn server_by_id(&self, id: i64) -> Result<Option<ServerRow>> {
        Ok(self
            .conn()
            .query_row("SELECT * FROM servers WHERE id = ?1", [id], server_from)
            .optional()?)
    }

    pub fn delete_server(&self, id: i64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM servers WHERE id = ?1", [id])?;
        Ok(())
    }

    // ---- authorization servers -----------------------------------------------------------

    pub fn save_auth_server(&self, issuer: &str, metadata_json: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO auth_servers (issuer, metadata, fetched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(issuer) DO UPDATE SET metadata = excluded.metadata, fetched_at = excluded.fetched_at",
            params![issuer, metadata_json, now()],
        )?;
        Ok(())
    }

    pub fn auth_server_metadata(&self, issuer: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT metadata FROM auth_servers WHERE issuer = ?1",
                [issuer],
                |r| r.get(0),
            )
            .optional()?)
    }

    // ---- registrations -------------------------------------------------------------------

    pub fn insert_registration(
        &self,
        issuer: &str,
        client_id: &str,
        method: RegistrationMethod,
        auth_method: TokenAuthMethod,
        redirect_uri: &str,
        has_secret: bool,
    ) -> Result<RegistrationRow> {
        self.conn().execute(
            "INSERT INTO registrations (issuer, client_id, method, auth_method, redirect_uri, has_secret, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![issuer, client_id, method.as_str(), auth_method.as_str(), redirect_uri, has_secret, now()],
        )?;
        let id = self.conn().last_insert_rowid();
        self.registration(id)?
            .ok_or_else(|| Error::Store("registration vanished after insert".into()))
    }

    pub fn registration(&self, id: i64) -> Result<Option<RegistrationRow>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT * FROM registrations WHERE id = ?1",
                [id],
                registration_from,
            )
            .optional()?)
    }

    /// Registrations held for one authorization server, newest first. Registration state is
    /// keyed by issuer: a client id is never used with another authorization server.
    /// Registrations that keep a client secret (in the secret backend).
    pub fn registrations_with_secret(&self) -> Result<Vec<RegistrationRow>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT * FROM registrations WHERE has_secret = 1 ORDER BY id")?;
        let rows = stmt.query_map([], registration_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Registrations that may still be used with `issuer` (not rejected by it), newest first.
    pub fn registrations_for(&self, issuer: &str) -> Result<Vec<RegistrationRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT * FROM registrations WHERE issuer = ?1 AND rejected_at IS NULL ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([issuer], registration_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The authorization server no longer accepts this registration (`invalid_client`): never
    /// offer it for a sign-in again.
    pub fn mark_registration_rejected(&self, id: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE registrations SET rejected_at = ?2 WHERE id = ?1",
            params![id, now()],
        )?;
        Ok(())
    }

    pub fn delete_registration(&self, id: i64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM registrations WHERE id = ?1", [id])?;
        Ok(())
    }

    pub fn registration_in_use(&self, id: i64) -> Result<bool> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM grants WHERE registration_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    // ---- grants --------------------------------------------------------------------------

    /// A new grant; it becomes the server's default when the server has no other.
    pub fn insert_grant(&self, g: &NewGrant) -> Result<GrantRow> {
        let has_default: bool = self.conn().query_row(
            "SELECT EXISTS(SELECT 1 FROM grants WHERE server_id = ?1 AND is_default = 1)",
            [g.server_id],
            |r| r.get(0),
        )?;
        let t = now();
        self.conn().execute(
            "INSERT INTO grants (server_id, registration_id, issuer, resource, account, scopes, requested_scopes,
                                 status, access_expires_at, has_refresh_token, is_default, created_at, updated_at, last_refreshed_at,
                                 obtained_by, workload_token_file, via_idp, dpop_bound)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8, ?9, ?10, ?11, ?11, NULL, ?12, ?13, ?14, ?15)",
            params![
                g.server_id,
                g.registration_id,
                g.issuer,
                g.resource,
                g.account,
                g.scopes.to_string(),
                g.requested_scopes.to_string(),
                g.access_expires_at,
                g.has_refresh_token,
                !has_default,
                t,
                g.obtained_by.as_str(),
                g.workload_token_file,
                g.via_idp,
                g.dpop_bound
            ],
        )?;
        let id = self.conn().last_insert_rowid();
        self.grant(id)?
            .ok_or_else(|| Error::Store("grant vanished after insert".into()))
    }

    pub fn grant(&self, id: i64) -> Result<Option<GrantRow>> {
        Ok(self
            .conn()
            .query_row("SELECT * FROM grants WHERE id = ?1", [id], grant_from)
            .optional()?)
    }

    pub fn grants_for_server(&self, server_id: i64) -> Result<Vec<GrantRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT * FROM grants WHERE server_id = ?1 ORDER BY is_default DESC, id DESC",
        )?;
        let rows = stmt.query_map([server_id], grant_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Make `grant_id` the one `token`, `proxy` and the app use for its server.
    pub fn set_default_grant(&self, server_id: i64, grant_id: i64) -> Result<()> {
        let tx = self.conn().unchecked_transaction()?;
        let found = tx.execute(
            "UPDATE grants SET is_default = 1 WHERE id = ?2 AND server_id = ?1",
            params![server_id, grant_id],
        )?;
        if found == 0 {
            return Err(Error::InvalidInput(format!(
                "grant {grant_id} does not belong to this server"
            )));
        }
        tx.execute(
            "UPDATE grants SET is_default = 0 WHERE server_id = ?1 AND id != ?2",
            params![server_id, grant_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn all_grants(&self) -> Result<Vec<GrantRow>> {
        let mut stmt = self.conn().prepare("SELECT * FROM grants ORDER BY id")?;
        let rows = stmt.query_map([], grant_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// After a successful refresh (or reconnect): new expiry and scopes, status back to active.
    pub fn record_refresh(
        &self,
        id: i64,
        access_expires_at: Option<i64>,
        scopes: &Scopes,
        has_refresh_token: bool,
    ) -> Result<()> {
        let t = now();
        self.conn().execute(
            "UPDATE grants SET access_expires_at = ?2, scopes = ?3, has_refresh_token = ?4,
                    status = 'active', status_reason = NULL, updated_at = ?5, last_refreshed_at = ?5
             WHERE id = ?1",
            params![
                id,
                access_expires_at,
                scopes.to_string(),
                has_refresh_token,
                t
            ],
        )?;
        Ok(())
    }

    /// The grant waits for a reconnect, for `reason` (its refresher stops; it shows why).
    pub fn set_needs_reconnect(&self, id: i64, reason: &ReconnectReason) -> Result<()> {
        self.conn().execute(
            "UPDATE grants SET status = ?2, status_reason = ?3, updated_at = ?4 WHERE id = ?1",
            params![
                id,
                GrantStatus::NeedsReconnect.as_str(),
                reason.to_column(),
                now()
            ],
        )?;
        Ok(())
    }

    /// Replace a grant's tokens' metadata after a new sign-in for the same server and account.
    pub fn replace_grant(&self, id: i64, g: &NewGrant) -> Result<()> {
        let t = now();
        self.conn().execute(
            "UPDATE grants SET registration_id = ?2, issuer = ?3, resource = ?4, account = ?5, scopes = ?6,
                    requested_scopes = ?7, access_expires_at = ?8, has_refresh_token = ?9,
                    status = 'active', status_reason = NULL, updated_at = ?10,
                    obtained_by = ?11, workload_token_file = ?12, via_idp = ?13,
                    dpop_bound = ?14
             WHERE id = ?1",
            params![
                id,
                g.registration_id,
                g.issuer,
                g.resource,
                g.account,
                g.scopes.to_string(),
                g.requested_scopes.to_string(),
                g.access_expires_at,
                g.has_refresh_token,
                t,
                g.obtained_by.as_str(),
                g.workload_token_file,
                g.via_idp,
                g.dpop_bound
            ],
        )?;
        Ok(())
    }

    // ---- identity providers ---------------------------------------------------------------

    pub fn upsert_idp(
        &self,
        issuer: &str,
        registration_id: i64,
        id_token_file: Option<&str>,
    ) -> Result<IdpRow> {
        self.conn().execute(
            "INSERT INTO idps (issuer, registration_id, id_token_file, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(issuer) DO UPDATE SET registration_id = excluded.registration_id,
                                               id_token_file = excluded.id_token_file",
            params![issuer, registration_id, id_token_file, now()],
        )?;
        self.idp(issuer)?
            .ok_or_else(|| Error::Store("identity provider vanished after insert".into()))
    }

    pub fn idp(&self, issuer: &str) -> Result<Option<IdpRow>> {
        Ok(self
            .conn()
            .query_row("SELECT * FROM idps WHERE issuer = ?1", [issuer], idp_from)
            .optional()?)
    }

    pub fn idps(&self) -> Result<Vec<IdpRow>> {
        let mut stmt = self.conn().prepare("SELECT * FROM idps ORDER BY issuer")?;
        let rows = stmt.query_map([], idp_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn delete_idp(&self, issuer: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM idps WHERE issuer = ?1", [issuer])?;
        Ok(())
    }

    /// Grants obtained via the identity provider `issuer`.
    pub fn grants_via_idp(&self, issuer: &str) -> Result<Vec<GrantRow>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT * FROM grants WHERE via_idp = ?1 ORDER BY id")?;
        let rows = stmt.query_map([issuer], grant_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn delete_grant(&self, id: i64) -> Result<()> {
        let server_id: Option<i64> = self
            .conn()
            .query_row("SELECT server_id FROM grants WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        self.conn()
            .execute("DELETE FROM grants WHERE id = ?1", [id])?;
        // Keep one default per server.
        if let Some(server_id) = server_id {
            self.conn().execute(
                "UPDATE grants SET is_default = 1 WHERE id = (SELECT id FROM grants WHERE server_id = ?1 ORDER BY id LIMIT 1)
                 AND NOT EXISTS (SELECT 1 FROM grants WHERE server_id = ?1 AND is_default = 1)",
                [server_id],
            )?;
        }
        Ok(())
    }

    // ---- audit ---------------------------------------------------------------------------

    pub fn insert_audit(
        &self,
        server_url: Option<&str>,
        grant_id: Option<i64>,
        event: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO audit_events (at, server_url, grant_id, event, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now(), server_url, grant_id, event, detail],
        )?;
        Ok(())
    }

    pub fn audit_events(&self, server_url: Option<&str>, limit: usize) -> Result<Vec<AuditRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT * FROM audit_events WHERE (?1 IS NULL OR server_url = ?1) ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![server_url, limit as i64], |row| {
            Ok(AuditRow {
                id: row.get("id")?,
                at: row.get("at")?,
                server_url: row.get("server_url")?,
                grant_id: row.get("grant_id")?,
                event: row.get("event")?,
                detail: row.get("detail")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // ---- secrets for `latchkey run` (names only) ----------------------------------------

    pub fn record_secret_name(&self, name: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO secrets (name, created_at, updated_at) VALUES (?1, ?2, ?2)
             ON CONFLICT(name) DO UPDATE SET updated_at = excluded.updated_at",
            params![name, now()],
        )?;
        Ok(())
    }

    pub fn secret_names(&self) -> Result<Vec<(String, i64, i64)>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT name, created_at, updated_at FROM secrets ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn forget_secret_name(&self, name: &str) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM secrets WHERE name = ?1", [name])?
            > 0)
    }

    // ---- backups of client config files (metadata; content in the keychain) --------------

    pub fn insert_backup(&self, path: &str, reason: &str) -> Result<i64> {
        self.conn().execute(
            "INSERT INTO backups (path, created_at, reason) VALUES (?1, ?2, ?3)",
            params![path, now(), reason],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    pub fn backups(&self) -> Result<Vec<(i64, String, i64, String)>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, path, created_at, reason FROM backups ORDER BY id DESC")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn delete_backup(&self, id: i64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM backups WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Delete audit events older than `before` (Unix seconds); returns how many went.
    pub fn prune_audit(&self, before: i64) -> Result<usize> {
        Ok(self
            .conn()
            .execute("DELETE FROM audit_events WHERE at < ?1", [before])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_grant(server_id: i64, registration_id: i64) -> NewGrant {
        NewGrant {
            server_id,
            registration_id,
            issuer: "https://as.test".into(),
            resource: "https://mcp.test/mcp".into(),
            account: Some("ada@example.com".into()),
            scopes: Scopes::parse("mcp:read"),
            requested_scopes: Scopes::parse("mcp:read mcp:write"),
            access_expires_at: Some(100),
            has_refresh_token: true,
            obtained_by: Default::default(),
            workload_token_file: None,
            via_idp: None,
            dpop_bound: false,
        }
    }

    #[test]
    fn several_grants_per_server_with_one_default() {
        let store = Store::open_in_memory().unwrap();
        let server = store.upsert_server("https://mcp.test/mcp").unwrap();
        assert_eq!(
            store.upsert_server("https://mcp.test/mcp").unwrap().id,
            server.id
        );
        let reg = store
            .insert_registration(
                "https://as.test",
                "c1",
                RegistrationMethod::Dynamic,
                TokenAuthMethod::None,
                "http://127.0.0.1:1/callback",
                false,
            )
            .unwrap();
        let first = store.insert_grant(&new_grant(server.id, reg.id)).unwrap();
        let second = store.insert_grant(&new_grant(server.id, reg.id)).unwrap();
        assert!(first.is_default && !second.is_default);
        assert_eq!(store.grants_for_server(server.id).unwrap().len(), 2);
        store.delete_grant(first.id).unwrap();
        assert!(
            store.grant(second.id).unwrap().unwrap().is_default,
            "default moves on"
        );
    }

    #[test]
    fn audit_is_filtered_by_server_and_pruned_by_age() {
        let store = Store::open_in_memory().unwrap();
        store
            .insert_audit(Some("https://a"), Some(1), "connected", None)
            .unwrap();
        store
            .insert_audit(Some("https://b"), Some(2), "refreshed", Some("ok"))
            .unwrap();
        assert_eq!(store.audit_events(Some("https://a"), 10).unwrap().len(), 1);
        assert_eq!(store.audit_events(None, 10).unwrap().len(), 2);
        assert_eq!(
            store.prune_audit(crate::time::now() - 3600).unwrap(),
            0,
            "recent events stay"
        );
        assert_eq!(store.prune_audit(crate::time::now() + 1).unwrap(), 2);
        assert!(store.audit_events(None, 10).unwrap().is_empty());
    }

    #[test]
    fn status_and_refresh_round_trip() {
        let store = Store::open_in_memory().unwrap();
        let server = store.upsert_server("https://mcp.test/mcp").unwrap();
        let reg = store
            .insert_registration(
                "https://as.test",
                "c1",
                RegistrationMethod::Dynamic,
                TokenAuthMethod::None,
                "http://127.0.0.1:1/callback",
                false,
            )
            .unwrap();
        let g = store.insert_grant(&new_grant(server.id, reg.id)).unwrap();
        store
            .set_needs_reconnect(
                g.id,
                &ReconnectReason::Refused {
                    error: "invalid_grant".into(),
                },
            )
            .unwrap();
        let g2 = store.grant(g.id).unwrap().unwrap();
        assert_eq!(g2.status, GrantStatus::NeedsReconnect);
        assert_eq!(
            g2.status_reason,
            Some(ReconnectReason::Refused {
                error: "invalid_grant".into()
            })
        );
        // A row an older Latchkey wrote holds plain words: they read back as they were.
        store
            .conn()
            .execute(
                "UPDATE grants SET status_reason = 'expired; the server gave no refresh token' WHERE id = ?1",
                params![g.id],
            )
            .unwrap();
        let old = store.grant(g.id).unwrap().unwrap().status_reason.unwrap();
        assert_eq!(old.to_string(), "expired; the server gave no refresh token");
        store
            .record_refresh(g.id, Some(500), &Scopes::parse("a b"), true)
            .unwrap();
        let g3 = store.grant(g.id).unwrap().unwrap();
        assert_eq!(
            (g3.status, g3.access_expires_at, g3.scopes.len()),
            (GrantStatus::Active, Some(500), 2)
        );
        assert_eq!(g3.status_reason, None, "a renewed grant has no reason left");
    }
}
