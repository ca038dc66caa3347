//! The shell's commands under `tauri::test::mock_builder()`, with the app's real config and
//! capability (so the access rules are the shipped ones), a real SQLite file, and an in-memory
//! secret store (the keychain itself is exercised by the core's tests and the WebDriver e2e).
//!
//! What matters here: commands answer with metadata and never a token, errors reach the window
//! as plain-words problems, bad input changes nothing, and only the main window may call them.

use std::sync::Arc;

use latchkey_app::{AppState, Features, WindowAtStart, run_app};
use latchkey_core::Latchkey;
use latchkey_core::context::keys;
use latchkey_core::home::Home;
use latchkey_core::http::HttpClient;
use latchkey_core::oauth::token::TokenSet;
use latchkey_core::secrets::Secrets;
use latchkey_core::secrets::memory::MemoryStore;
use latchkey_core::secrets::secret::Secret;
use latchkey_core::store::{NewGrant, RegistrationMethod, Scopes, Store, TokenAuthMethod};
use latchkey_core::time::now;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

const CANARY_AT: &str = "canary-at-app-commands-4f1c";
const CANARY_RT: &str = "canary-rt-app-commands-9b2e";

struct Fixture {
    _dir: tempfile::TempDir,
    lk: Arc<Latchkey>,
    app: App<MockRuntime>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let home = Home::at(dir.path().to_path_buf(), true).unwrap();
    let store = Store::open(&home.database_path()).unwrap();
    let lk = Arc::new(Latchkey::from_parts(
        home,
        store,
        Secrets::new(Arc::new(MemoryStore::default())),
        HttpClient::new().unwrap(),
    ));
    let app = run_app(
        mock_builder(),
        AppState::new(lk.clone()),
        Features {
            tray: false,
            live: false,
            window: WindowAtStart::None,
        },
    )
    .build(tauri::generate_context!())
    .unwrap();
    Fixture { _dir: dir, lk, app }
}

/// A signed-in server, as a real sign-in leaves it: metadata in SQLite, tokens in the store.
async fn seed_grant(lk: &Latchkey, url: &str, scopes: &[&str], with_revocation: bool) -> i64 {
    let issuer = format!("{url}/as");
    let (server, grant) = {
        let store = lk.store();
        let server = store.upsert_server(url).unwrap();
        store.set_server_discovery(server.id, url, &issuer).unwrap();
        let md = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "revocation_endpoint": with_revocation.then(|| format!("{issuer}/revoke")),
            "code_challenge_methods_supported": ["S256"],
        });
        store.save_auth_server(&issuer, &md.to_string()).unwrap();
        let reg = store
            .insert_registration(
                &issuer,
                "client-123",
                RegistrationMethod::Dynamic,
                TokenAuthMethod::None,
                "http://127.0.0.1:1/callback",
                false,
            )
            .unwrap();
        let grant = store
            .insert_grant(&NewGrant {
                server_id: server.id,
                registration_id: reg.id,
                issuer: issuer.clone(),
                resource: url.to_string(),
                account: Some("ada@example.com".into()),
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                requested_scopes: scopes.iter().map(|s| s.to_string()).collect(),
                access_expires_at: Some(now() + 2520),
                has_refresh_token: true,
                obtained_by: Default::default(),
                workload_token_file: None,
                via_idp: None,
                dpop_bound: false,
            })
            .unwrap();
        (server, grant)
    };
    let tokens = TokenSet {
        access_token: Secret::new(CANARY_AT),
        refresh_token: Some(Secret::new(CANARY_RT)),
        expires_at: Some(now() + 2520),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        obtained_at: Some(now()),
        owner: None,
        dpop_key: None,
    };
    lk.secrets
        .set(&keys::grant_tokens(grant.id), tokens.to_secret())
        .await
        .unwrap();
    let _ = server;
    grant.id
}

fn window(app: &App<MockRuntime>, label: &str) -> WebviewWindow<MockRuntime> {
    WebviewWindowBuilder::new(app, label, Default::default())
        .build()
        .unwrap()
}

fn call(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let response = get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    );
    let out = response.map(|b| b.deserialize::<Value>().unwrap());
    let text = format!("{out:?}");
    assert!(
        !text.contains("canary-"),
        "{cmd} sent a token to the window: {text}"
    );
    out
}

#[tokio::test]
async fn overview_shows_metadata_and_never_a_token() {
    let f = fixture();
    let url = "https://mcp.example.com/mcp";
    seed_grant(
        &f.lk,
        url,
        &["files:read", "files:write", "offline_access"],
        true,
    )
    .await;
    let w = window(&f.app, "main");

    let o = call(&w, "overview", json!({})).unwrap();
    let row = &o["servers"][0];
    assert_eq!(row["url"], url);
    assert_eq!(row["name"], "mcp.example.com/mcp");
    assert_eq!(row["status"]["kind"], "connected");
    assert_eq!(row["status"]["refreshes_automatically"], true);
    assert_eq!(row["account"], "ada@example.com");
    let access: Vec<(&str, &str)> = row["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["access"].as_str().unwrap()))
        .collect();
    assert_eq!(
        access,
        [
            ("files:read", "read"),
            ("files:write", "write"),
            ("offline_access", "identity")
        ]
    );

    let d = call(&w, "server_detail", json!({ "url": url })).unwrap();
    assert_eq!(d["issuer"], format!("{url}/as"));
    assert_eq!(d["grant"]["client_id"], "client-123");
    assert_eq!(d["grant"]["revokes_at_server"], true);
    assert!(d["grant"]["next_refresh_at"].as_i64().unwrap() > now());
}

#[tokio::test]
async fn the_revoke_plan_says_what_will_happen() {
    let f = fixture();
    seed_grant(&f.lk, "https://a.example.com/mcp", &["read"], true).await;
    seed_grant(&f.lk, "https://b.example.com/mcp", &["read"], false).await;
    let w = window(&f.app, "main");

    let at_server = call(
        &w,
        "revoke_plan",
        json!({ "url": "https://a.example.com/mcp" }),
    )
    .unwrap();
    assert_eq!(at_server["at_server"], true);
    assert!(
        at_server["message"]
            .as_str()
            .unwrap()
            .contains("revoke the sign-in")
    );

    let local = call(
        &w,
        "revoke_plan",
        json!({ "url": "https://b.example.com/mcp" }),
    )
    .unwrap();
    assert_eq!(local["at_server"], false);
    assert!(
        local["message"]
            .as_str()
            .unwrap()
            .contains("remains until it expires"),
        "{local}"
    );
}

#[tokio::test]
async fn bad_input_is_a_plain_problem_and_changes_nothing() {
    let f = fixture();
    seed_grant(&f.lk, "https://mcp.example.com/mcp", &["read"], true).await;
    let w = window(&f.app, "main");
    let before = call(&w, "overview", json!({})).unwrap();

    let rows = [
        ("not a URL", "add_server", json!({ "url": "not a url" })),
        (
            "plain http to a remote host",
            "add_server",
            json!({ "url": "http://mcp.example.com/mcp" }),
        ),
        (
            "unknown server detail",
            "server_detail",
            json!({ "url": "https://nowhere.example.com/" }),
        ),
        (
            "revoke of an unknown server",
            "revoke",
            json!({ "url": "https://nowhere.example.com/" }),
        ),
        (
            "forget a server with a sign-in",
            "forget_server",
            json!({ "url": "https://mcp.example.com/mcp" }),
        ),
        (
            "default account that is not there",
            "set_default_account",
            json!({ "url": "https://mcp.example.com/mcp", "grantId": 999 }),
        ),
    ];
    for (name, cmd, args) in rows {
        let err = call(&w, cmd, args).expect_err(name);
        let message = err["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{name}: no plain message in {err}");
        assert!(err["detail"].is_string(), "{name}: no detail in {err}");
        assert!(err["kind"].is_string(), "{name}: no kind in {err}");
    }
    let after = call(&w, "overview", json!({})).unwrap();
    assert_eq!(
        before["servers"], after["servers"],
        "a failed command changed the list"
    );
}

#[tokio::test]
async fn only_the_main_window_may_call_commands() {
    let f = fixture();
    let other = window(&f.app, "intruder");
    let denied = call(&other, "overview", json!({})).expect_err("a window outside the capability");
    assert!(
        denied.to_string().contains("not allowed"),
        "unexpected answer: {denied}"
    );
}

#[tokio::test]
async fn set_default_account_and_forget_server() {
    let f = fixture();
    let url = "https://mcp.example.com/mcp";
    let first = seed_grant(&f.lk, url, &["read"], true).await;
    // A second account for the same server.
    let second = {
        let store = f.lk.store();
        let server = store.upsert_server(url).unwrap();
        let g = store.grant(first).unwrap().unwrap();
        store
            .insert_grant(&NewGrant {
                server_id: server.id,
                registration_id: g.registration_id,
                issuer: g.issuer.clone(),
                resource: g.resource.clone(),
                account: Some("grace@example.com".into()),
                scopes: Scopes::parse("read"),
                requested_scopes: Scopes::parse("read"),
                access_expires_at: Some(now() + 600),
                has_refresh_token: true,
                obtained_by: Default::default(),
                workload_token_file: None,
                via_idp: None,
                dpop_bound: false,
            })
            .unwrap()
            .id
    };
    let w = window(&f.app, "main");
    call(
        &w,
        "set_default_account",
        json!({ "url": url, "grantId": second }),
    )
    .unwrap();
    let o = call(&w, "overview", json!({})).unwrap();
    assert_eq!(o["servers"][0]["account"], "grace@example.com");
    assert_eq!(o["servers"][0]["accounts"].as_array().unwrap().len(), 2);

    // A server added by URL with no sign-in can be forgotten.
    f.lk.store()
        .upsert_server("https://other.example.com/mcp")
        .unwrap();
    call(
        &w,
        "forget_server",
        json!({ "url": "https://other.example.com/mcp" }),
    )
    .unwrap();
    let o = call(&w, "overview", json!({})).unwrap();
    assert!(
        o["servers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["url"] != "https://other.example.com/mcp")
    );
}

/// Issue 4 in the window: a finding in a client's config file comes with its fix; the plan says
/// what will change (never the value); the fix moves the secret and rewrites only that file,
/// which must be one the scan found.
#[tokio::test]
async fn a_config_finding_is_fixed_with_consent_and_only_in_a_scanned_file() {
    use latchkey_core::clients::paths::{Os, PlatformDirs};
    use latchkey_core::clients::scan;

    let f = fixture();
    let home = tempfile::tempdir().unwrap();
    let cursor = home.path().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    let token = "ghp_canaryAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    std::fs::write(
        &cursor,
        format!(
            "{{\n  \"mcpServers\": {{\n    \"github\": {{ \"command\": \"npx\", \"env\": {{ \"GITHUB_TOKEN\": \"{token}\" }} }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let dirs = PlatformDirs::for_home(Os::Linux, home.path());
    f.app
        .state::<AppState>()
        .follow
        .set_scan(scan::scan(&dirs, &[]));
    let w = window(&f.app, "main");

    let overview = call(&w, "overview", json!({})).unwrap();
    let finding = overview["config_findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["entry"] == "github")
        .unwrap_or_else(|| panic!("{overview}"))
        .clone();
    assert_eq!(finding["fix"], "move_secrets");
    assert_eq!(finding["client"], "Cursor");
    assert!(!overview.to_string().contains(token));

    let args = json!({ "file": finding["file"], "entry": "github", "fix": "move_secrets" });
    let plan = call(&w, "adopt_plan", args.clone()).unwrap();
    assert!(
        plan["changes"][0]
            .as_str()
            .unwrap()
            .contains("env GITHUB_TOKEN moves to the keychain as github/GITHUB_TOKEN"),
        "{plan}"
    );
    assert!(
        plan["message"]
            .as_str()
            .unwrap()
            .contains("A backup is kept first")
    );
    assert!(!plan.to_string().contains(token));
    assert!(
        std::fs::read_to_string(&cursor).unwrap().contains(token),
        "planning writes nothing"
    );

    // A file outside the scan is refused, whatever the window sends.
    let elsewhere = home.path().join("other.json");
    std::fs::copy(&cursor, &elsewhere).unwrap();
    let refused = call(
        &w,
        "adopt",
        json!({ "file": elsewhere, "entry": "github", "fix": "move_secrets" }),
    )
    .unwrap_err();
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("no config file Latchkey knows"),
        "{refused}"
    );
    assert!(std::fs::read_to_string(&elsewhere).unwrap().contains(token));

    let id = call(&w, "adopt", args).unwrap();
    assert!(id.as_i64().unwrap() > 0);
    let after = std::fs::read_to_string(&cursor).unwrap();
    assert!(!after.contains(token), "{after}");
    assert!(after.contains("latchkey:github/GITHUB_TOKEN"), "{after}");
    let stored =
        f.lk.secrets
            .get("secret/github/GITHUB_TOKEN")
            .await
            .unwrap();
    assert_eq!(stored.unwrap().expose(), token);

    // Undo from the window: the file is back byte for byte, and what it replaced is kept too.
    let original = std::fs::read_to_string(&elsewhere).unwrap();
    let undo = call(&w, "undo_adopt", json!({ "id": id })).unwrap();
    assert!(undo.as_i64().unwrap() > id.as_i64().unwrap(), "{undo}");
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), original);
    let missing = call(&w, "undo_adopt", json!({ "id": 9_999 })).unwrap_err();
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("no backup 9999"),
        "{missing}"
    );
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), original);
}
