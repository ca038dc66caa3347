//! Versioned schema migrations. Each entry runs once, in order, inside a transaction; the
//! database's `user_version` records how many have run. Append, never edit a shipped entry.

use rusqlite::{Connection, TransactionBehavior};

use crate::{Error, Result};

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE servers (
        id          INTEGER PRIMARY KEY,
        url         TEXT NOT NULL UNIQUE,
        resource    TEXT,
        issuer      TEXT,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE auth_servers (
        issuer      TEXT PRIMARY KEY,
        metadata    TEXT NOT NULL,
        fetched_at  INTEGER NOT NULL
    );
    CREATE TABLE registrations (
        id            INTEGER PRIMARY KEY,
        issuer        TEXT NOT NULL,
        client_id     TEXT NOT NULL,
        method        TEXT NOT NULL,
        auth_method   TEXT NOT NULL,
        redirect_uri  TEXT NOT NULL,
        has_secret    INTEGER NOT NULL,
        created_at    INTEGER NOT NULL
    );
    CREATE INDEX registrations_by_issuer ON registrations(issuer);
    CREATE TABLE grants (
        id                 INTEGER PRIMARY KEY,
        server_id          INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
        registration_id    INTEGER NOT NULL REFERENCES registrations(id),
        issuer             TEXT NOT NULL,
        resource           TEXT NOT NULL,
        account            TEXT,
        scopes             TEXT NOT NULL DEFAULT '',
        requested_scopes   TEXT NOT NULL DEFAULT '',
        status             TEXT NOT NULL,
        status_reason      TEXT,
        access_expires_at  INTEGER,
        has_refresh_token  INTEGER NOT NULL,
        is_default         INTEGER NOT NULL DEFAULT 0,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL,
        last_refreshed_at  INTEGER
    );
    CREATE INDEX grants_by_server ON grants(server_id);
    CREATE TABLE audit_events (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        server_url  TEXT,
        grant_id    INTEGER,
        event       TEXT NOT NULL,
        detail      TEXT
    );
    CREATE INDEX audit_by_time ON audit_events(at);
    "#,
    // 2: the names of secrets stored for `latchkey run` (the values live in the keychain;
    // keychains cannot list their items portably, so the names are kept here).
    r#"
    CREATE TABLE secrets (
        name        TEXT PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    );
    "#,
    // 3: backups of client config files Latchkey changed. The content may hold the very
    // secrets that were moved, so it lives in the keychain (`backup/<id>`), not here.
    r#"
    CREATE TABLE backups (
        id          INTEGER PRIMARY KEY,
        path        TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        reason      TEXT NOT NULL
    );
    "#,
    // 4: whether a server asks for a sign-in at all (NULL: not known yet; 0: it answered
    // without asking for a token, so the app says "No sign-in needed").
    r#"
    ALTER TABLE servers ADD COLUMN needs_sign_in INTEGER;
    "#,
    // 5: small facts about the home. `secret_layout`: where a store other machines can reach
    // (pass, OpenBao/Vault) keeps this home's items: 1 (before issue 11: `<folder>/<key>`,
    // shared by every default home) or 2 (`<folder>/<installation id>/<key>`). A home that
    // already holds secrets starts at 1, so `secrets::layout::upgrade` moves them; a new one at 2.
    r#"
    CREATE TABLE meta (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );
    INSERT INTO meta (key, value)
    SELECT 'secret_layout',
           CASE WHEN EXISTS (SELECT 1 FROM grants)
                  OR EXISTS (SELECT 1 FROM registrations WHERE has_secret = 1)
                  OR EXISTS (SELECT 1 FROM secrets)
                  OR EXISTS (SELECT 1 FROM backups)
                THEN '1' ELSE '2' END;
    "#,
    // 6: when the authorization server answered `invalid_client` for a dynamically registered
    // client (it forgot the registration): that registration is never used again, and the next
    // sign-in registers anew.
    r#"
    ALTER TABLE registrations ADD COLUMN rejected_at INTEGER;
    "#,
    // 7: which MCP protocol each server speaks, as `latchkey proxy` last found out ("2026-07-28",
    // or "legacy" for the revisions with an `initialize` handshake), so the next proxy does not
    // ask again; replaced when the server answers otherwise.
    r#"
    CREATE TABLE protocol_cache (
        url         TEXT PRIMARY KEY,
        protocol    TEXT NOT NULL,
        checked_at  INTEGER NOT NULL
    );
    "#,
    // 8: when an MCP client (through `latchkey proxy`) last needed a sign-in to this server
    // that could not happen by itself (no browser could be opened): the app asks the person.
    // Cleared by a sign-in.
    r#"
    ALTER TABLE servers ADD COLUMN sign_in_wanted_at INTEGER;
    "#,
    // 9: how a grant was obtained (`browser`, `client_credentials`, `workload`), which decides
    // how it is renewed; a workload grant's JWT file (a path: the JWT itself is never stored).
    r#"
    ALTER TABLE grants ADD COLUMN obtained_by TEXT NOT NULL DEFAULT 'browser';
    ALTER TABLE grants ADD COLUMN workload_token_file TEXT;
    "#,
    // 10: company identity providers (enterprise-managed authorization, SEP-990): each has a
    // client (a registration row) and where its ID token is read; a grant obtained via one
    // names it.
    r#"
    CREATE TABLE idps (
        issuer          TEXT PRIMARY KEY,
        registration_id INTEGER NOT NULL,
        id_token_file   TEXT,
        created_at      INTEGER NOT NULL
    );
    ALTER TABLE grants ADD COLUMN via_idp TEXT;
    "#,
    // 11: whether a grant's tokens are bound to its DPoP key (shown in Details; the key itself
    // is in the secret store with the tokens).
    r#"
    ALTER TABLE grants ADD COLUMN dpop_bound INTEGER NOT NULL DEFAULT 0;
    "#,
];

/// Bring the schema up to date. Several processes may open a new database at once (four
/// proxies started together): the version is read and the migrations run inside one
/// `BEGIN IMMEDIATE` transaction, so exactly one of them migrates and the others see its result.
pub fn apply(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = tx.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    if current > MIGRATIONS.len() {
        return Err(Error::Store(format!(
            "the database was written by a newer Latchkey (schema {current}, this one knows {}); update Latchkey",
            MIGRATIONS.len()
        )));
    }
    for sql in MIGRATIONS.iter().skip(current) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_idempotent_and_versioned() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn).unwrap();
        apply(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
    }

    #[test]
    fn concurrent_openers_migrate_once() {
        // Several rounds: the race (WAL switch, first migration) is timing-dependent.
        for round in 0..10 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("db.sqlite3");
            let threads: Vec<_> = (0..8)
                .map(|_| {
                    let path = path.clone();
                    std::thread::spawn(move || crate::store::Store::open(&path).map(|_| ()))
                })
                .collect();
            for t in threads {
                t.join()
                    .unwrap()
                    .unwrap_or_else(|e| panic!("round {round}: an opener failed: {e}"));
            }
        }
    }

    #[test]
    fn a_newer_schema_is_refused_not_damaged() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        let err = apply(&mut conn).unwrap_err().to_string();
        assert!(err.contains("newer Latchkey"), "{err}");
    }
}
