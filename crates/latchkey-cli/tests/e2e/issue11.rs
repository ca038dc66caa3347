//! Issue 11: what a security review of e440a74 found, one regression test (or more) per item,
//! each failing on e440a74. Real peers, real stores: OpenBao, `pass`, the Secret Service.

use crate::openbao_server::Bao;
use crate::support::*;

/// A machine of its own (default home, no `LATCHKEY_HOME`) whose secrets go to `bao`.
fn machine_on_openbao(bao: &Bao) -> Latchkey {
    Latchkey::default_home()
        .with_env("LATCHKEY_BACKEND", "openbao")
        .with_env("BAO_ADDR", &bao.addr)
        .with_env("BAO_TOKEN", &bao.root_token)
}

/// The access token `lk` prints for `url`, which must work at that server and nowhere else.
fn token_for(lk: &Latchkey, url: &str) -> String {
    lk.run(&["token", url]).ok().stdout.trim().to_string()
}

/// (1) Two machines with default homes share one OpenBao mount; A signs in to X, B to Y. Each
/// one's token is its own server's, and each keeps its items in its own folder.
#[test]
fn issue11_two_default_homes_on_one_openbao_never_see_each_others_tokens() {
    let bao = Bao::dev();
    let x = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let y = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let (a, b) = (machine_on_openbao(&bao), machine_on_openbao(&bao));
    a.run(&["connect", &x.mcp_url()]).ok();
    b.run(&["connect", &y.mcp_url()]).ok();

    let (ta, tb) = (token_for(&a, &x.mcp_url()), token_for(&b, &y.mcp_url()));
    assert_ne!(ta, tb, "A was handed B's token");
    assert_eq!(
        mcp_status_with_token(&x.mcp_url(), &ta),
        200,
        "A's token works at X"
    );
    assert_eq!(
        mcp_status_with_token(&y.mcp_url(), &tb),
        200,
        "B's token works at Y"
    );
    assert_ne!(mcp_status_with_token(&y.mcp_url(), &ta), 200);

    let (ia, ib) = (a.installation_id(), b.installation_id());
    assert_ne!(ia, ib);
    let items = bao.items("secret");
    assert!(
        items.contains(&format!("latchkey/{ia}/grant/1"))
            && items.contains(&format!("latchkey/{ib}/grant/1"))
            && !items.contains(&"latchkey/grant/1".to_string()),
        "{items:?}"
    );
    // Revoking on A leaves B alone.
    a.run(&["revoke", &x.mcp_url()]).ok();
    assert_eq!(token_for(&b, &y.mcp_url()), tb);
}

/// (1) The same with a `pass` store two machines sync (one store folder, two GnuPG homes
/// would be the same key in real life: one here).
#[test]
fn issue11_two_default_homes_on_one_pass_store_never_see_each_others_tokens() {
    let pass = PassFixture::new();
    let x = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let y = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let on_pass = || {
        Latchkey::default_home()
            .with_env("LATCHKEY_BACKEND", "pass")
            .with_env(
                "PASSWORD_STORE_DIR",
                &pass.store.path().display().to_string(),
            )
            .with_env("GNUPGHOME", &pass.gnupg.path().display().to_string())
    };
    let (a, b) = (on_pass(), on_pass());
    a.run(&["connect", &x.mcp_url()]).ok();
    b.run(&["connect", &y.mcp_url()]).ok();
    let (ta, tb) = (token_for(&a, &x.mcp_url()), token_for(&b, &y.mcp_url()));
    assert_ne!(ta, tb, "A was handed B's token");
    assert_eq!(mcp_status_with_token(&x.mcp_url(), &ta), 200);
    assert_eq!(mcp_status_with_token(&y.mcp_url(), &tb), 200);
    let entries = pass.entries();
    for lk in [&a, &b] {
        let id = lk.installation_id();
        assert!(
            entries.contains(&format!("latchkey/{id}/grant/1")),
            "{entries:?}"
        );
    }
}

/// Rewrite `lk`'s home as an older Latchkey left it: the database says layout 1 and the
/// grant's item sits at `latchkey/grant/1` without an owner, holding `tokens_from`'s item
/// (its own, or another machine's).
fn as_written_by_e440a74(bao: &Bao, lk: &Latchkey, tokens_from: &Latchkey) {
    let from = format!(
        "secret/data/latchkey/{}/grant/1",
        tokens_from.installation_id()
    );
    let (status, item) = bao.root("GET", &from, None);
    assert_eq!(status, 200, "{item}");
    let mut tokens: serde_json::Value =
        serde_json::from_str(item["data"]["data"]["value"].as_str().unwrap()).unwrap();
    tokens.as_object_mut().unwrap().remove("owner");
    let body = serde_json::json!({"data": {"value": tokens.to_string()}});
    let (status, answer) = bao.root("POST", "secret/data/latchkey/grant/1", Some(&body));
    assert!(status < 300, "{answer}");
    let own = format!("secret/metadata/latchkey/{}/grant/1", lk.installation_id());
    bao.root("DELETE", &own, None);
    let db = rusqlite::Connection::open(lk.data_dir().join("latchkey.sqlite3")).unwrap();
    db.execute(
        "UPDATE meta SET value = '1' WHERE key = 'secret_layout'",
        [],
    )
    .unwrap();
}

/// (1) A home an older Latchkey wrote moves to the new layout in place: no new sign-in.
#[test]
fn issue11_an_existing_store_moves_to_the_new_layout_without_a_sign_in() {
    let bao = Bao::dev();
    let x = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let a = machine_on_openbao(&bao);
    a.run(&["connect", &x.mcp_url()]).ok();
    let before = token_for(&a, &x.mcp_url());
    as_written_by_e440a74(&bao, &a, &a);
    let authorizations = x.stats()["authorizations"].clone();

    assert_eq!(token_for(&a, &x.mcp_url()), before, "the same grant, moved");
    assert_eq!(x.stats()["authorizations"], authorizations, "no sign-in");
    let items = bao.items("secret");
    let id = a.installation_id();
    assert!(
        items.contains(&format!("latchkey/{id}/grant/1"))
            && !items.contains(&"latchkey/grant/1".to_string()),
        "{items:?}"
    );
    let (_, moved) = bao.root("GET", &format!("secret/data/latchkey/{id}/grant/1"), None);
    let owner: serde_json::Value =
        serde_json::from_str(moved["data"]["data"]["value"].as_str().unwrap()).unwrap();
    assert_eq!(
        owner["owner"]["installation"],
        id.as_str(),
        "{}",
        owner["owner"]
    );
    assert_eq!(owner["owner"]["grant"], 1);
}

/// (1) Where two machines already overwrote each other's `latchkey/grant/1`, the upgrade does
/// not hand the other machine's token out: the grant asks for a reconnect, the item stays.
#[test]
fn issue11_another_machines_tokens_in_the_old_folder_are_not_taken() {
    let bao = Bao::dev();
    let x = Peer::start("tests/peers/sdk-server.mjs", &[]);
    // Another lifetime, so B's tokens cannot pass for A's.
    let y = Peer::start(
        "tests/peers/sdk-server.mjs",
        &[("ACCESS_TOKEN_TTL", "1800")],
    );
    let (a, b) = (machine_on_openbao(&bao), machine_on_openbao(&bao));
    a.run(&["connect", &x.mcp_url()]).ok();
    b.run(&["connect", &y.mcp_url()]).ok();
    let theirs = token_for(&b, &y.mcp_url());
    as_written_by_e440a74(&bao, &a, &b);

    let run = a.run(&["token", &x.mcp_url()]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(!run.stdout.contains(&theirs), "B's token was handed to A");
    assert!(run.stderr.contains("reconnect"), "{}", run.stderr);
    assert_eq!(a.list()["servers"][0]["status"], "needs_reconnect");
    assert!(
        bao.items("secret")
            .contains(&"latchkey/grant/1".to_string()),
        "the other machine's item is left where it is"
    );
    // A new sign-in puts A right, in its own folder.
    a.run(&["connect", &x.mcp_url()]).ok();
    let mine = token_for(&a, &x.mcp_url());
    assert_eq!(mcp_status_with_token(&x.mcp_url(), &mine), 200);
    assert_eq!(token_for(&b, &y.mcp_url()), theirs, "B is untouched");
}

/// (1) `secret migrate` never overwrites an item in the target that this home did not put
/// there: it stops, names it, and both stores keep what they had.
#[test]
fn issue11_secret_migrate_never_overwrites_another_homes_item() {
    let bao = Bao::dev();
    let lk = Latchkey::new()
        .with_env("BAO_ADDR", &bao.addr)
        .with_env("BAO_TOKEN", &bao.root_token);
    std::fs::write(
        lk.home.path().join("settings.toml"),
        "[openbao]\npath = \"people/e2e\"\n",
    )
    .unwrap();
    lk.run_with_stdin(&["secret", "set", "demo/API_KEY"], "ours-42\n")
        .ok();
    let theirs = format!(
        "secret/data/people/e2e/{}/secret/demo/API_KEY",
        lk.installation_id()
    );
    let planted = serde_json::json!({"data": {"value": "theirs-7"}});
    assert!(bao.root("POST", &theirs, Some(&planted)).0 < 300);

    let moved = lk.run(&["secret", "migrate", "--to", "openbao"]);
    assert_eq!(moved.code, 1, "{}{}", moved.stdout, moved.stderr);
    assert!(
        moved.stderr.contains("already holds another value"),
        "{}",
        moved.stderr
    );
    let (_, there) = bao.root("GET", &theirs, None);
    assert_eq!(
        there["data"]["data"]["value"], "theirs-7",
        "not overwritten"
    );
    assert_eq!(
        child_sees(lk.command(&RUN_PRINTS_V), "latchkey:demo/API_KEY"),
        "ours-42",
        "ours is still where it was"
    );
}

/// Start `latchkey <args>` held at `step` until `resume` exists; returns once it is held.
fn held_at(
    lk: &Latchkey,
    args: &[&str],
    step: &str,
    resume: &std::path::Path,
) -> std::process::Child {
    use std::io::{BufRead, BufReader};
    let mut child = lk
        .command(args)
        .env("LATCHKEY_FAULT_PAUSE", step)
        .env("LATCHKEY_FAULT_RESUME", resume)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("latchkey-fault: paused at") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("never reached {step}"));
    child
}

fn spawn(lk: &Latchkey, args: &[&str]) -> std::process::Child {
    lk.command(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: std::process::Child) -> std::process::Output {
    wait_with_timeout(child, std::time::Duration::from_secs(120))
}

/// The item the home's keychain holds for `key`, read straight from the Secret Service.
fn keychain_item(lk: &Latchkey, key: &str) -> Option<String> {
    use latchkey_core::secrets::SecretStore;
    let home = lk.data_dir().canonicalize().unwrap();
    let store = latchkey_core::secrets::chunked::Chunked::new(
        latchkey_core::secrets::keychain::Keychain::new(format!("latchkey@{}", home.display())),
    );
    store.get(key).unwrap().map(|s| s.expose().to_string())
}

/// (3) A revoke while a refresh is in flight: the revoke waits for the refresh, then revokes
/// the newest tokens; nothing is written back afterwards.
#[test]
fn issue11_a_revoke_during_a_refresh_leaves_no_orphan_tokens() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    assert!(keychain_item(&lk, "grant/1").is_some());
    let resume = lk.home.path().join("resume-refresh");
    let refresh = held_at(&lk, &["refresh", &url], "refresh:after-response", &resume);
    let revoke = spawn(&lk, &["revoke", &url]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    std::fs::write(&resume, "").unwrap();
    let (refreshed, revoked) = (finish(refresh), finish(revoke));
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    let _ = refreshed;
    assert_eq!(
        keychain_item(&lk, "grant/1"),
        None,
        "a refresh wrote tokens back after the revoke deleted them"
    );
    assert!(
        lk.list()["servers"][0]["grants"]
            .as_array()
            .is_none_or(|g| g.is_empty())
    );
    let stats = peer.stats();
    assert_eq!(stats["active_refresh_tokens"], 0, "{stats}");
}

/// (3) A new sign-in while a refresh of the old grant is in flight: the old lineage's refresh
/// finishes first and never overwrites the tokens of the new sign-in.
#[test]
fn issue11_a_refresh_in_flight_never_overwrites_a_new_sign_in() {
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let introspect =
        |token: &str| curl_json("GET", &peer.admin(&format!("/introspect?token={token}")));
    let old_grant = introspect(&token_for(&lk, &url))["grant_id"].clone();
    let resume = lk.home.path().join("resume-refresh");
    let refresh = held_at(&lk, &["refresh", &url], "refresh:after-response", &resume);
    let connect = spawn(&lk, &["connect", &url]);
    // The sign-in goes through the browser and the code exchange meanwhile.
    std::thread::sleep(std::time::Duration::from_millis(3000));
    std::fs::write(&resume, "").unwrap();
    let (refreshed, connected) = (finish(refresh), finish(connect));
    assert!(
        connected.status.success(),
        "{}",
        String::from_utf8_lossy(&connected.stderr)
    );
    assert!(
        refreshed.status.success(),
        "{}",
        String::from_utf8_lossy(&refreshed.stderr)
    );
    let now_stored = introspect(&token_for(&lk, &url));
    assert_eq!(now_stored["active"], true, "{now_stored}");
    assert_ne!(
        now_stored["grant_id"], old_grant,
        "the old grant's refresh overwrote the new sign-in"
    );
}

/// What `cargo tree` says latchkey-core is built with for `package` (`edges`: `normal` is what
/// `cargo build --release -p <package>` links; `normal,dev` adds what its tests link).
fn core_features(package: &str, edges: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["tree", "-p", package, "-e", edges, "-i", "latchkey-core"])
        .args(["-f", "{p} [{f}]", "--locked", "--offline"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().next().unwrap_or_default().to_string()
}

/// (14) The pause points (and every test hook) are in test builds only: the `latchkey` binary
/// and the app as a release builds them link latchkey-core without `test-hooks`.
#[test]
fn issue11_release_builds_have_no_pause_points() {
    // The test build has them (the crash tests need them).
    const { assert!(latchkey_core::faults::ENABLED) };
    assert!(core_features("latchkey-cli", "normal,dev").contains("test-hooks"));
    for package in ["latchkey-cli", "latchkey-app"] {
        let line = core_features(package, "normal");
        assert!(line.starts_with("latchkey-core"), "{line}");
        assert!(!line.contains("test-hooks"), "{package}: {line}");
    }
}

/// (13) `latchkey connect` and a proxy needing a sign-in for the same server (spelled two
/// ways) at once: one browser tab, one authorization, and both end up with the one grant.
#[test]
fn issue11_connect_and_a_proxy_at_once_open_one_browser_tab() {
    use std::io::Write;
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let (browser, counter) = lk.counting_browser(2);
    // The same server as the proxy's, spelled with an upper-case scheme and a fragment.
    let shouted = format!("HTTP{}#x", url.strip_prefix("http").unwrap());
    let connect = lk
        .command(&["connect", &shouted])
        .env("BROWSER", &browser)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut proxy = lk
        .command(&["proxy", &url])
        .env("BROWSER", &browser)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    proxy
        .stdin
        .take()
        .unwrap()
        .write_all(session_lines("echo", r#"{"text":"hi"}"#).as_bytes())
        .unwrap();
    let (connected, proxied) = (finish(connect), finish(proxy));
    assert!(
        connected.status.success(),
        "{}",
        String::from_utf8_lossy(&connected.stderr)
    );
    let by_id = responses(&String::from_utf8_lossy(&proxied.stdout));
    assert_eq!(by_id["3"]["result"]["content"][0]["text"], "hi");
    let tabs = std::fs::read_to_string(&counter).unwrap().lines().count();
    assert_eq!(tabs, 1, "one browser tab for the sign-in and the proxy");
    assert_eq!(peer.stats()["authorizations"], 1);
}

/// (2) RFC 9728 §3.3: a metadata document from the challenge or the path-inserted URL that
/// names the bare origin is discarded (it would get a token for every path on the host); the
/// root document may name the origin.
#[test]
fn issue11_only_the_root_metadata_document_may_name_the_bare_origin() {
    for mode in ["resource-origin-hinted", "resource-origin-path"] {
        let peer = Peer::start("tests/peers/hostile-server.mjs", &[("MODE", mode)]);
        let lk = Latchkey::new();
        let run = lk.run(&["connect", &peer.mcp_url()]);
        assert_eq!(run.code, 1, "{mode}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("discarding it"),
            "{mode}: {}",
            run.stderr
        );
        assert_eq!(
            peer.stats()["authorizations"],
            0,
            "{mode}: no sign-in began"
        );
    }
    let peer = Peer::start(
        "tests/peers/hostile-server.mjs",
        &[("MODE", "resource-origin-root")],
    );
    let lk = Latchkey::new();
    lk.run(&["connect", &peer.mcp_url()]).ok();
    assert_eq!(lk.list()["servers"][0]["resource"], peer.ready["issuer"]);
}

/// (8) While `latchkey connect` waits for the browser, requests to its callback that are not
/// the sign-in's redirect (no state, a wrong state, another Host) are refused with a 400 page
/// and the sign-in goes on; the real redirect then completes it.
#[test]
fn issue11_stray_requests_to_the_callback_do_not_end_the_sign_in() {
    use std::io::{BufRead, BufReader};
    let peer = Peer::start("tests/peers/sdk-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let mut child = lk
        .command(&["connect", &url, "--no-browser"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let authorize = loop {
        let line = lines.next().expect("the sign-in URL").unwrap();
        if line.starts_with("http") {
            break line;
        }
    };
    let query: std::collections::HashMap<String, String> = url::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let callback = &query["redirect_uri"];
    let port = url::Url::parse(callback).unwrap().port().unwrap();
    let status = |extra: &[&str], target: &str| {
        let out = std::process::Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
            .args(extra)
            .arg(target)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert_eq!(status(&[], callback), "400", "no state");
    assert_eq!(
        status(&[], &format!("{callback}?code=x&state=guess")),
        "400"
    );
    let rebound = format!("Host: attacker.test:{port}");
    let right = format!("{callback}?code=x&state={}", query["state"]);
    assert_eq!(status(&["-H", &rebound], &right), "400", "another Host");
    // Now the real browser: the sign-in completes.
    let followed = std::process::Command::new(repo_root().join("tests/browser/follow.sh"))
        .arg(&authorize)
        .status()
        .unwrap();
    assert!(followed.success());
    let out = finish(child);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lk.list()["servers"][0]["status"], "connected");
}

/// (9) `latchkey run` does not hand the secret stores' own credentials (nor `LATCHKEY_*`) to
/// the command it starts, unless `--keep-env` names them.
#[test]
fn issue11_run_withholds_the_stores_credentials() {
    let lk = Latchkey::new();
    let print = "printf '%s|%s|%s|%s|%s|%s' \"$BAO_TOKEN\" \"$VAULT_TOKEN\" \"$OP_SERVICE_ACCOUNT_TOKEN\" \"$OP_SESSION_team\" \"$LATCHKEY_HOME\" \"$PLAIN\"";
    let child_env = |extra: &[&str]| {
        let mut args = vec!["run"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "sh", "-c", print]);
        let out = lk
            .command(&args)
            .env("BAO_TOKEN", "s.bao-root")
            .env("VAULT_TOKEN", "hvs.vault")
            .env("OP_SERVICE_ACCOUNT_TOKEN", "ops_x")
            .env("OP_SESSION_team", "sess")
            .env("PLAIN", "kept")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(child_env(&[]), "|||||kept");
    assert_eq!(
        child_env(&["--keep-env", "BAO_TOKEN", "--keep-env", "LATCHKEY_HOME"]),
        format!("s.bao-root||||{}|kept", lk.home.path().display())
    );
}

/// (6) Two clients' `github` entries with different tokens: the second gets a name of its own
/// (shown in the plan) instead of overwriting the first; a third with the first's value
/// shares it.
#[test]
fn issue11_adopt_never_overwrites_a_same_named_secret() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let entry = |token: &str| {
        format!(
            r#"{{ "mcpServers": {{ "github": {{ "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {{ "GITHUB_PERSONAL_ACCESS_TOKEN": "{token}" }} }} }} }}"#
        )
    };
    let (a, b) = (
        "ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "ghp_FAKEbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    );
    let cursor = h.join(".cursor/mcp.json");
    let claude = h.join(".config/Claude/claude_desktop_config.json");
    let windsurf = h.join(".codeium/windsurf/mcp_config.json");
    write_atomically(&cursor, &entry(a));
    write_atomically(&claude, &entry(b));
    write_atomically(&windsurf, &entry(a));
    let adopt = |file: &std::path::Path| {
        let file = file.display().to_string();
        let out = with_home(
            h,
            &[
                "adopt",
                "github",
                "--move-secrets",
                "--file",
                &file,
                "--yes",
            ],
        )
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    adopt(&cursor);
    let second = adopt(&claude);
    assert!(
        second.contains(
            "a different secret is already stored as github/GITHUB_PERSONAL_ACCESS_TOKEN"
        ) && second.contains("github-claude-desktop/GITHUB_PERSONAL_ACCESS_TOKEN"),
        "the plan says so: {second}"
    );
    let third = adopt(&windsurf);
    assert!(third.contains("already stored with this value"), "{third}");

    // Each entry's reference gives its own value.
    let reference = |file: &std::path::Path| {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        v["mcpServers"]["github"]["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (file, want) in [(&cursor, a), (&claude, b), (&windsurf, a)] {
        assert_eq!(
            child_sees(with_home(h, &RUN_PRINTS_V), &reference(file)),
            want,
            "{}",
            file.display()
        );
    }
    assert_eq!(
        reference(&cursor),
        reference(&windsurf),
        "one shared secret"
    );
}

/// (11) An authorization server that forgot Latchkey's registration (restarted with its
/// clients in memory) answers `invalid_client`: the registration is dropped, the grant asks
/// for a reconnect, and the reconnect registers again instead of being refused for good.
#[test]
fn issue11_a_registration_the_server_forgot_is_made_again() {
    let peer = Peer::start("tests/peers/hostile-server.mjs", &[("MODE", "good")]);
    let url = peer.mcp_url();
    let lk = Latchkey::new().with_env("LATCHKEY_SIGNIN_TIMEOUT", "10");
    lk.run(&["connect", &url]).ok();
    peer.post_admin("/forget-clients");
    let refresh = lk.run(&["refresh", &url]);
    assert_eq!(refresh.code, 1, "{}", refresh.stdout);
    let grant = &lk.list()["servers"][0]["grants"][0];
    assert_eq!(grant["status"], "needs_reconnect", "{grant}");
    assert!(
        grant["status_reason"]
            .as_str()
            .unwrap_or_default()
            .contains("register again"),
        "{grant}"
    );
    lk.run(&["connect", &url]).ok();
    assert_eq!(peer.stats()["registrations"], 2, "registered again");
    let token = token_for(&lk, &url);
    assert_eq!(mcp_status_with_token(&url, &token), 200);
}

/// (12) What a server says (registration and OAuth errors, its issuer, granted scopes) reaches
/// the terminal with no control characters: no escape sequence of a hostile server runs.
#[test]
fn issue11_server_text_reaches_the_terminal_without_control_characters() {
    let clean = |what: &str, run: &Run| {
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{what}: a control character on {stream}: {text:?}"
            );
        }
    };
    for mode in ["escape-dcr-error", "escape-issuer"] {
        let peer = Peer::start("tests/peers/hostile-server.mjs", &[("MODE", mode)]);
        let lk = Latchkey::new();
        let run = lk.run(&["connect", &peer.mcp_url()]);
        assert_eq!(run.code, 1, "{mode}");
        clean(mode, &run);
    }
    let peer = Peer::start(
        "tests/peers/hostile-server.mjs",
        &[("MODE", "escape-token-error")],
    );
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    let connected = lk.run(&["connect", &url]);
    connected.ok();
    clean("connect (the granted scopes)", &connected);
    clean("list", &lk.run(&["list"]));
    clean("list --json", &lk.run(&["list", "--json"]));
    let refresh = lk.run(&["refresh", &url]);
    assert_eq!(refresh.code, 1);
    clean("refresh (the OAuth error)", &refresh);
    clean("log", &lk.run(&["log"]));
}

/// (7) A public MCP server cannot point Latchkey's discovery, registration or token calls at
/// this machine (by name or by address); a server on this machine keeps its local
/// authorization server. (The test treats the hostile server's origin as public through the
/// test-only `LATCHKEY_TEST_PUBLIC_ORIGINS`.)
#[test]
fn issue11_a_public_server_cannot_point_latchkey_inward() {
    for mode in ["ssrf-issuer", "ssrf-endpoints"] {
        let peer = Peer::start("tests/peers/hostile-server.mjs", &[("MODE", mode)]);
        let origin = peer.ready["issuer"].as_str().unwrap().to_string();
        let lk = Latchkey::new().with_env("LATCHKEY_TEST_PUBLIC_ORIGINS", &origin);
        let run = lk.run(&["connect", &peer.mcp_url()]);
        assert_eq!(run.code, 1, "{mode}: {}", run.stdout);
        assert!(
            run.stderr.contains("the MCP server is public"),
            "{mode}: {}",
            run.stderr
        );
        assert_eq!(
            peer.stats()["other_origin_fetches"],
            0,
            "{mode}: nothing was sent inward"
        );
    }
    // The same server on this machine (not treated as public) may use a local one: the
    // request goes out (and fails there, as that port serves no registration).
    let peer = Peer::start(
        "tests/peers/hostile-server.mjs",
        &[("MODE", "ssrf-endpoints")],
    );
    let lk = Latchkey::new();
    let run = lk.run(&["connect", &peer.mcp_url()]);
    assert_eq!(run.code, 1);
    assert!(
        !run.stderr.contains("the MCP server is public"),
        "{}",
        run.stderr
    );
    assert!(peer.stats()["other_origin_fetches"].as_u64() >= Some(1));
}

/// The most memory `pid` has held (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024
}

/// A proxy for `url` in `lk` with a 1 MiB bound per message.
fn bounded_proxy(
    lk: &Latchkey,
    url: &str,
) -> (
    std::process::Child,
    std::process::ChildStdin,
    std::sync::mpsc::Receiver<serde_json::Value>,
) {
    live_proxy(lk, url, &[("LATCHKEY_PROXY_MAX_MESSAGE_MIB", "1")])
}

fn answer(rx: &std::sync::mpsc::Receiver<serde_json::Value>, id: i64) -> serde_json::Value {
    answer_to(rx, id, std::time::Duration::from_secs(30))
}

const OPEN_SESSION: &str = concat!(
    r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#,
    "\n",
    r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    "\n"
);
const HUGE_CALL: &str = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"test-tool","arguments":{"huge":true}}}"#;
const SMALL_CALL: &str = r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"test-tool","arguments":{}}}"#;

/// (5) An oversized answer (one 64 MiB JSON body, an SSE event that never ends) becomes a
/// JSON-RPC error for that request, the session carries on, and the proxy never holds it.
#[test]
fn issue11_the_proxy_bounds_each_message_and_carries_on() {
    use std::io::Write;
    for mode in ["mcp-huge-body", "mcp-endless-event"] {
        let peer = Peer::start(
            "tests/peers/hostile-server.mjs",
            &[("MODE", mode), ("HUGE_MB", "64")],
        );
        let url = peer.mcp_url();
        let lk = Latchkey::new();
        lk.run(&["connect", &url]).ok();
        let (mut child, mut stdin, rx) = bounded_proxy(&lk, &url);
        stdin.write_all(OPEN_SESSION.as_bytes()).unwrap();
        assert!(answer(&rx, 1)["result"].is_object());
        writeln!(stdin, "{HUGE_CALL}").unwrap();
        let refused = answer(&rx, 3);
        let message = refused["error"]["message"].as_str().unwrap_or_default();
        // Only the head of what came: the failure being guarded against is a 64 MiB answer.
        let shown: String = refused.to_string().chars().take(300).collect();
        assert!(
            message.contains("larger than the proxy's limit of 1 MiB"),
            "{mode}: {shown}"
        );
        writeln!(stdin, "{SMALL_CALL}").unwrap();
        assert_eq!(
            answer(&rx, 4)["result"]["content"][0]["text"],
            "ok",
            "{mode}"
        );
        let peak = peak_rss_mib(child.id());
        assert!(peak < 48, "{mode}: the proxy held {peak} MiB");
        drop(stdin);
        assert!(finish_child(&mut child).success());
    }
    // A line from the client over the bound is dropped with an error; the next one works.
    let peer = Peer::start("tests/peers/hostile-server.mjs", &[]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let (mut child, mut stdin, rx) = bounded_proxy(&lk, &url);
    stdin.write_all(OPEN_SESSION.as_bytes()).unwrap();
    answer(&rx, 1);
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{{"name":"test-tool","arguments":{{"x":"{}"}}}}}}"#,
        "z".repeat(3 * 1024 * 1024)
    );
    writeln!(stdin, "{big}").unwrap();
    let dropped = rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
    assert!(
        dropped["error"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than"),
        "{dropped}"
    );
    writeln!(stdin, "{SMALL_CALL}").unwrap();
    assert_eq!(answer(&rx, 4)["result"]["content"][0]["text"], "ok");
    drop(stdin);
    assert!(finish_child(&mut child).success());
}

/// (5) A client that stops reading while the server keeps talking (a GET stream of
/// notifications): the proxy stops reading the server (back-pressure), its memory stays flat.
#[test]
fn issue11_a_client_that_stops_reading_does_not_grow_the_proxy() {
    use std::io::Write;
    let peer = Peer::start("tests/peers/hostile-server.mjs", &[("MODE", "mcp-chatty")]);
    let url = peer.mcp_url();
    let lk = Latchkey::new();
    lk.run(&["connect", &url]).ok();
    let mut child = lk
        .command(&["proxy", &url])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped()) // never read
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(OPEN_SESSION.as_bytes()).unwrap();
    std::thread::sleep(std::time::Duration::from_secs(5));
    let peak = peak_rss_mib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        peak < 48,
        "the proxy held {peak} MiB for a client that stopped reading"
    );
}

fn finish_child(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the proxy did not exit"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// (4) An OpenBao/Vault address over plain http to another host is refused before any
/// connection, with what to do; loopback stays allowed for a local dev server.
#[test]
fn issue11_openbao_over_plain_http_is_refused_off_loopback() {
    let lk = Latchkey::new()
        .with_env("LATCHKEY_BACKEND", "openbao")
        .with_env("BAO_ADDR", "http://bao.example.test:8200")
        .with_env("BAO_TOKEN", "s.never-sent");
    let run = lk.run(&["token", "http://127.0.0.1:9/mcp"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("use https"), "{}", run.stderr);
    assert!(!run.stderr.contains("s.never-sent"));
}

/// (10) A client config file that is a symlink (a dotfiles folder) is changed through the
/// link: the link stays a link, its target gets the change, the backup restores it.
#[cfg(unix)]
#[test]
fn issue11_adopt_writes_through_a_symlinked_config_file() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let dotfiles = h.join("dotfiles/cursor-mcp.json");
    let original = r#"{ "mcpServers": { "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" } } } }"#;
    write_atomically(&dotfiles, original);
    let link = h.join(".cursor/mcp.json");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&dotfiles, &link).unwrap();
    adopt_yes(h, &["github", "--move-secrets"]);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a plain file"
    );
    let changed = std::fs::read_to_string(&dotfiles).unwrap();
    assert!(
        !changed.contains("ghp_FAKE") && changed.contains("latchkey:"),
        "{changed}"
    );
}
