use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use latchkey_core::oauth::device::DeviceCode;
use latchkey_core::oauth::jws::{SigningAlg, SigningKey};
use latchkey_core::oauth::pasted::PastedAddresses;
use latchkey_core::secrets::secret::Secret;
use latchkey_core::sign_in::{self, ConnectOutcome, ConnectRequest, MachineSignIn, Progress};
use latchkey_core::store::GrantKind;
use latchkey_core::time::{human_until, now};
use latchkey_core::{Error, Result};

use crate::cli::ConnectArgs;

pub async fn run(args: ConnectArgs) -> Result<ExitCode> {
    let mut client = args.client.options()?;
    if let Some(path) = &args.private_key_file {
        client.private_key = Some(read_private_key(path, args.signing_alg.as_deref())?);
    }
    let machine = match (&args.workload_token_file, args.client_credentials) {
        _ if args.via_idp.is_some() => Some(MachineSignIn::ViaIdp {
            issuer: args.via_idp.clone().unwrap_or_default(),
        }),
        (Some(file), _) => Some(MachineSignIn::Workload {
            token_file: std::path::absolute(file).map_err(|e| {
                Error::InvalidInput(format!("--workload-token-file {}: {e}", file.display()))
            })?,
        }),
        (None, true) => Some(MachineSignIn::ClientCredentials),
        (None, false) => None,
    };
    let lk = super::open()?;
    let no_browser =
        args.no_browser || (!args.device && machine.is_none() && no_browser_can_open());
    let request = ConnectRequest {
        server_url: args.server_url,
        scopes: args.scopes.into(),
        client,
        open_browser: !no_browser,
        challenge: None,
        timeout: None,
        another_account: args.another_account,
        machine,
        // Without a browser here, the person may finish in a browser elsewhere and paste its
        // final address (unless standard input already gave the client secret).
        pasted: (no_browser && !args.device && !args.client.client_secret_stdin).then(pasted_lines),
        device: args.device,
        // A terminal can take a pasted address; a code is asked for with --device.
        device_if_no_browser: false,
    };
    let progress = show_progress(no_browser);
    match sign_in::connect(&lk, request, &progress).await? {
        ConnectOutcome::NoSignInNeeded => {
            println!("No sign-in needed: the server answers without a token.");
        }
        ConnectOutcome::Connected(c) => {
            let scopes = if c.grant.scopes.is_empty() {
                "(none)".to_string()
            } else {
                c.grant.scopes.to_string()
            };
            let expiry = match c.tokens.expires_at {
                Some(at) => format!("expires {}", human_until(at, now())),
                None => "no expiry given".to_string(),
            };
            let refresh = if c.grant.obtained_by.is_machine() {
                "renewed automatically without a browser"
            } else if c.tokens.refresh_token.is_some() {
                "refreshes automatically"
            } else {
                "no refresh token: sign in again when it expires"
            };
            let account = c
                .grant
                .account
                .as_deref()
                .map(|a| format!(" as {a}"))
                .unwrap_or_default();
            let how = match c.grant.obtained_by {
                GrantKind::Browser => String::new(),
                GrantKind::Device => " (code entered on another device)".to_string(),
                GrantKind::ClientCredentials => {
                    format!(" (client credentials, client {})", c.registration.client_id)
                }
                GrantKind::Workload => {
                    format!(" (workload identity, client {})", c.registration.client_id)
                }
                GrantKind::ViaIdp => format!(
                    " (via {}, client {})",
                    c.grant.via_idp.as_deref().unwrap_or("?"),
                    c.registration.client_id
                ),
            };
            println!("Connected{account}{how}: scopes {scopes}, {expiry} · {refresh}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The PEM key, read once (it is kept in the secret store from then on) and checked now, so a
/// wrong file is refused before anything is asked of the server.
fn read_private_key(path: &std::path::Path, alg: Option<&str>) -> Result<Secret> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::InvalidInput(format!(
            "cannot read the private key file {}: {e}",
            path.display()
        ))
    })?;
    let pem = Secret::new(text);
    let wanted = alg.map(SigningAlg::parse).transpose()?;
    SigningKey::from_pem(&pem, wanted)
        .map_err(|e| Error::InvalidInput(format!("{}: {e}", path.display())))?;
    Ok(pem)
}

/// Standard input, line by line, for pasted addresses: a thread of its own, since reading a
/// terminal blocks.
pub(super) fn pasted_lines() -> PastedAddresses {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    PastedAddresses::new(rx)
}

/// The code and where to enter it, on stdout (the contract: a script may read them), with a QR
/// code of the address when stdout is a terminal (a phone's camera opens it).
fn show_device_code(code: &DeviceCode) {
    println!(
        "To sign in, open {} on any device and enter the code {}",
        code.verification_uri, code.user_code
    );
    if let Some(complete) = &code.verification_uri_complete {
        println!("Or open: {complete}");
        if std::io::stdout().is_terminal()
            && let Ok(qr) = qrcode::QrCode::new(complete.as_bytes())
        {
            let picture = qr
                .render::<qrcode::render::unicode::Dense1x2>()
                .quiet_zone(true)
                .build();
            println!("{picture}");
        }
    }
    let _ = std::io::stdout().flush();
    eprintln!(
        "Waiting for the approval (the code expires in {} min)…",
        code.expires_in.as_secs().div_ceil(60)
    );
}

/// Where no browser can open (an SSH session, a container): said once, and the sign-in then
/// does what --no-browser does. Also for `latchkey idp connect`.
pub(super) fn no_browser_can_open() -> bool {
    match latchkey_core::browser::no_display() {
        Some(why) => {
            eprintln!("No browser can open here ({why}): showing the address to open instead.");
            true
        }
        None => false,
    }
}

/// A sign-in's steps, on stderr (the address on stdout with --no-browser: the contract); also
/// for `latchkey idp connect`.
pub(super) fn show_progress(no_browser: bool) -> impl Fn(Progress) + Send + Sync {
    move |p: Progress| match p {
        Progress::Discovering => eprintln!("Discovering the authorization server…"),
        Progress::Registering { issuer } => eprintln!("Authorization server: {issuer}"),
        Progress::WaitingForBrowser {
            url,
            device_offered,
        } => {
            if no_browser && device_offered {
                eprintln!(
                    "This server also offers sign-in with a code entered on any device: run the command again with --device."
                );
            }
            if no_browser {
                println!("Open this URL to sign in:\n{url}");
                let _ = std::io::stdout().flush();
                eprintln!(
                    "Waiting for the sign-in. If the browser is on another machine, it ends on a page that does not load (an address starting with http://127.0.0.1:…/callback): copy that whole address, paste it here and press Enter."
                );
            } else {
                eprintln!("Waiting for you in the browser… (if it did not open, visit {url})");
            }
        }
        Progress::Exchanging => eprintln!("Exchanging the code for tokens…"),
        Progress::DeviceCode { code } => show_device_code(&code),
        Progress::PastedRefused { why } => {
            eprintln!(
                "That was not accepted: {why}. Paste the address again, or finish in the browser."
            )
        }
        Progress::RequestingToken { grant_type } => {
            eprintln!("Requesting a token ({grant_type} grant)…")
        }
    }
}
