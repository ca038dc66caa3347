//! The desktop app's actions, headless: add a server, connect with live steps and cancel,
//! plan and perform a revoke, refresh everything. The Tauri shell only forwards these, so every
//! behaviour here is tested without a window.

pub use crate::overview::config_findings::AdoptPlan;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;
use tokio::sync::Notify;
use ts_rs::TS;

use crate::clients::adopt;
use crate::clients::model::FileReport;
use crate::clients::rewrite::PlannedEdit;
use crate::clients::scan::Scan;
use crate::context::Latchkey;
use crate::disconnect::{self, Revoked};
use crate::oauth::probe::{self, Probe};
use crate::overview::config_findings::Fix;
use crate::overview::problem::Problem;
use crate::overview::{self, ScopeChip, ServerView, chips};
use crate::sign_in::{self, ConnectOutcome, ConnectRequest, Progress};
use crate::store::{GrantRow, ServerRow};
use crate::{Error, Result, broker, url_policy};

/// The steps of Connect as the window shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectStep {
    Discovering,
    Registering,
    /// The browser is open at the server's sign-in page ("open again" and "cancel" apply).
    WaitingForBrowser,
    /// A code to enter on another device is shown (RFC 8628); Latchkey polls until approved.
    WaitingForCode,
    Exchanging,
    Connected,
    NoSignInNeeded,
    Failed,
    Cancelled,
}

impl ConnectStep {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Connected | Self::NoSignInNeeded | Self::Failed | Self::Cancelled
        )
    }
}

/// One step of a Connect, sent to the window as it happens (the `connect-progress` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConnectUpdate {
    pub url: String,
    pub step: ConnectStep,
    /// The authorization server, once discovered.
    pub issuer: Option<String>,
    /// Connected: the scopes granted.
    pub scopes: Vec<ScopeChip>,
    pub account: Option<String>,
    /// Failed: what went wrong, in plain words, with the detail one click away.
    pub problem: Option<Problem>,
    /// Waiting for the browser: the server also offers sign-in with a code ("Use a code instead").
    pub device_offered: bool,
    /// Waiting for the code: what to enter, and where.
    pub device_code: Option<DeviceCodeShown>,
}

/// A device sign-in's code as the window shows it (RFC 8628).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeviceCodeShown {
    pub user_code: String,
    pub verification_uri: String,
    /// The address with the code in it, when the server gives one.
    pub verification_uri_complete: Option<String>,
    /// A QR code of the address (with the code when there is one), as an SVG document.
    pub qr_svg: Option<String>,
}

impl From<crate::oauth::device::DeviceCode> for DeviceCodeShown {
    fn from(code: crate::oauth::device::DeviceCode) -> Self {
        let address = code
            .verification_uri_complete
            .as_deref()
            .unwrap_or(&code.verification_uri);
        // Only the `<svg>` element: it goes inline into the page (the CSP allows no data: URL).
        let qr_svg = qrcode::QrCode::new(address.as_bytes()).ok().and_then(|qr| {
            let svg = qr
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(160, 160)
                .quiet_zone(true)
                .build();
            svg.find("<svg").map(|at| svg[at..].to_string())
        });
        Self {
            user_code: code.user_code,
            verification_uri: code.verification_uri,
            verification_uri_complete: code.verification_uri_complete,
            qr_svg,
        }
    }
}

impl ConnectUpdate {
    fn new(url: &str, step: ConnectStep) -> Self {
        Self {
            url: url.to_string(),
            step,
            issuer: None,
            scopes: Default::default(),
            account: None,
            problem: None,
            device_offered: false,
            device_code: None,
        }
    }

    fn failed(url: &str, e: &Error) -> Self {
        Self {
            problem: Some(Problem::from(e)),
            ..Self::new(url, ConnectStep::Failed)
        }
    }
}

/// A Connect in progress: the window can open the browser again or cancel it.
#[derive(Default)]
pub struct ConnectSession {
    browser_url: Mutex<Option<String>>,
    cancel: Notify,
    use_code: Notify,
}

impl ConnectSession {
    pub fn cancel(&self) {
        self.cancel.notify_one();
    }

    /// Leave the browser sign-in and sign in with a code on another device instead (the
    /// browser is elsewhere, or the person would rather use a phone).
    pub fn use_code(&self) {
        self.use_code.notify_one();
    }

    /// Open the sign-in page again (the person closed the tab, or it opened behind a window).
    pub fn open_again(&self) -> Result<()> {
        let url = self
            .browser_url
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match url {
            Some(u) => crate::browser::open(&u).map(|_| ()),
            None => Err(Error::InvalidInput(
                "the sign-in page is not open yet".into(),
            )),
        }
    }
}

/// Validate a URL typed by the person and add it to the list. The server is asked once whether
/// it wants a sign-in; nothing is stored when the URL is wrong or the server does not answer.
pub async fn add_server(lk: &Latchkey, url: &str) -> Result<ServerView> {
    let url = url.trim();
    let parsed = url_policy::parse_server_url(url)?;
    let canonical = url_policy::canonical_resource(url)?;
    let probed = probe::probe(&lk.http, &parsed).await?;
    let store = lk.store();
    let server = store.upsert_server(&canonical)?;
    match probed {
        Probe::Open => store.set_server_needs_sign_in(server.id, false)?,
        Probe::Challenge(_) => store.set_server_needs_sign_in(server.id, true)?,
        Probe::Unknown => {}
    }
    let server = store.server_by_id(server.id)?.unwrap_or(server);
    let grants = store.grants_for_server(server.id)?;
    Ok(overview::server_view(
        &server,
        &grants,
        vec![],
        &HashSet::new(),
        crate::time::now(),
    ))
}

/// Connect (or reconnect, or add another account), reporting each step through `emit`.
/// Returns the final update (also emitted). Failure or cancel changes nothing stored.
pub async fn connect(
    lk: &Latchkey,
    url: &str,
    another_account: bool,
    session: &ConnectSession,
    emit: &(dyn Fn(ConnectUpdate) + Send + Sync),
) -> ConnectUpdate {
    let canonical = url_policy::canonical_resource(url).unwrap_or_else(|_| url.to_string());
    let issuer: Mutex<Option<String>> = Mutex::new(None);
    let progress = |p: Progress| {
        let mut update = ConnectUpdate::new(&canonical, ConnectStep::Discovering);
        update.step = match p {
            Progress::Discovering => ConnectStep::Discovering,
            Progress::Registering { issuer: i } => {
                *issuer.lock().unwrap_or_else(|e| e.into_inner()) = Some(i);
                ConnectStep::Registering
            }
            Progress::WaitingForBrowser {
                url,
                device_offered,
            } => {
                *session
                    .browser_url
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(url);
                update.device_offered = device_offered;
                ConnectStep::WaitingForBrowser
            }
            Progress::DeviceCode { code } => {
                update.device_code = Some(code.into());
                ConnectStep::WaitingForCode
            }
            Progress::Exchanging | Progress::RequestingToken { .. } => ConnectStep::Exchanging,
            // The window takes no pasted addresses.
            Progress::PastedRefused { .. } => return,
        };
        update.issuer = issuer.lock().unwrap_or_else(|e| e.into_inner()).clone();
        emit(update);
    };
    // "Use a code instead" drops the browser sign-in in flight and starts again with a code.
    let mut device = false;
    let outcome = loop {
        let request = ConnectRequest {
            server_url: url.trim().to_string(),
            open_browser: true,
            another_account,
            machine: None,
            device,
            device_if_no_browser: true,
            ..Default::default()
        };
        tokio::select! {
            r = sign_in::connect(lk, request, &progress) => break Some(r),
            _ = session.cancel.notified() => break None,
            _ = session.use_code.notified(), if !device => device = true,
        }
    };
    let last = match outcome {
        None => ConnectUpdate::new(&canonical, ConnectStep::Cancelled),
        Some(Ok(ConnectOutcome::NoSignInNeeded)) => {
            ConnectUpdate::new(&canonical, ConnectStep::NoSignInNeeded)
        }
        Some(Ok(ConnectOutcome::Connected(c))) => ConnectUpdate {
            issuer: Some(c.grant.issuer.clone()),
            scopes: chips(&c.grant.scopes),
            account: c.grant.account.clone(),
            ..ConnectUpdate::new(&c.server.url, ConnectStep::Connected)
        },
        Some(Err(e)) => ConnectUpdate::failed(&canonical, &e),
    };
    emit(last.clone());
    last
}

/// What Revoke will do, said before it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RevokePlan {
    pub url: String,
    pub grant_id: i64,
    pub account: Option<String>,
    /// `true`: the authorization server is told (RFC 7009); `false`: the tokens can only be
    /// removed here and the server-side grant remains until it expires.
    pub at_server: bool,
    pub issuer: String,
    /// The sentence the confirmation shows.
    pub message: String,
}

fn server_and_grant(
    lk: &Latchkey,
    url: &str,
    grant_id: Option<i64>,
) -> Result<(ServerRow, GrantRow)> {
    let server = lk.find_server(url)?;
    let grant = match grant_id {
        None => broker::default_grant(lk, &server)?,
        Some(id) => lk
            .store()
            .grants_for_server(server.id)?
            .into_iter()
            .find(|g| g.id == id)
            .ok_or_else(|| Error::InvalidInput(format!("no account {id} for {url}")))?,
    };
    Ok((server, grant))
}

pub fn revoke_plan(lk: &Latchkey, url: &str, grant_id: Option<i64>) -> Result<RevokePlan> {
    let (server, grant) = server_and_grant(lk, url, grant_id)?;
    let at_server = disconnect::revokes_at_server(&lk.store(), &grant.issuer)?;
    let who = grant
        .account
        .as_deref()
        .map(|a| format!(" for {a}"))
        .unwrap_or_default();
    let message = if at_server {
        format!(
            "Latchkey will ask {} to revoke the sign-in{who} to {}, then delete its tokens from this computer. Clients using it will need a new sign-in.",
            grant.issuer, server.url
        )
    } else {
        format!(
            "{} has no way to revoke sign-ins, so Latchkey can only delete the tokens{who} from this computer. The grant at the server remains until it expires.",
            grant.issuer
        )
    };
    Ok(RevokePlan {
        url: server.url,
        grant_id: grant.id,
        account: grant.account,
        at_server,
        issuer: grant.issuer,
        message,
    })
}

/// Revoke one account (the default when `grant_id` is `None`). When the server cannot be
/// reached nothing is deleted: the error says so and the person can try again.
pub async fn revoke(lk: &Latchkey, url: &str, grant_id: Option<i64>) -> Result<Revoked> {
    let (server, grant) = server_and_grant(lk, url, grant_id)?;
    disconnect::revoke_grant(lk, &server, grant, false).await
}

/// Make another account the default one for its server.
pub fn set_default_account(lk: &Latchkey, url: &str, grant_id: i64) -> Result<()> {
    let server = lk.find_server(url)?;
    lk.store().set_default_grant(server.id, grant_id)
}

/// Remove a server that holds no sign-in from the list (one added by mistake).
pub fn forget_server(lk: &Latchkey, url: &str) -> Result<()> {
    let server = lk.find_server(url)?;
    let store = lk.store();
    if !store.grants_for_server(server.id)?.is_empty() {
        return Err(Error::InvalidInput(
            "this server still has a sign-in: revoke it first".into(),
        ));
    }
    store.delete_server(server.id)
}

/// One moment of a refresh of several servers, as it happens.
#[derive(Debug)]
pub enum RefreshStep<'a> {
    /// A grant that cannot renew by itself (no refresh token): left as it is.
    Skipped {
        url: &'a str,
    },
    /// The server's renewable grants start refreshing (the window shows "Refreshing…").
    Started {
        url: &'a str,
    },
    Refreshed {
        url: &'a str,
        expires_at: Option<i64>,
    },
    Failed {
        url: &'a str,
        error: &'a Error,
    },
    /// The server's turn ended.
    Finished {
        url: &'a str,
    },
}

/// Refresh every grant of `servers` that can renew by itself, one at a time, under the broker's
/// rules; `on_step` hears each step. Returns the failures. The CLI's `refresh` and the window's
/// and the tray's "Refresh all now" are this.
pub async fn refresh(
    lk: &Latchkey,
    servers: Vec<ServerRow>,
    on_step: &(dyn Fn(RefreshStep<'_>) + Send + Sync),
) -> Result<Vec<(String, Problem)>> {
    let mut failures = Vec::new();
    for server in servers {
        let url = server.url.as_str();
        let (renewable, fixed): (Vec<GrantRow>, Vec<GrantRow>) = lk
            .store()
            .grants_for_server(server.id)?
            .into_iter()
            .partition(|g| g.renews_by_itself());
        for _ in &fixed {
            on_step(RefreshStep::Skipped { url });
        }
        if renewable.is_empty() {
            continue;
        }
        on_step(RefreshStep::Started { url });
        for grant in renewable {
            match broker::refresh_now(lk, &server, grant).await {
                Ok(h) => on_step(RefreshStep::Refreshed {
                    url,
                    expires_at: h.expires_at,
                }),
                Err(error) => {
                    on_step(RefreshStep::Failed { url, error: &error });
                    failures.push((server.url.clone(), Problem::from(&error)));
                }
            }
        }
        on_step(RefreshStep::Finished { url });
    }
    Ok(failures)
}

/// "Refresh all now": [`refresh`] of every server. `on_server(url, started)` lets the window
/// show "Refreshing…".
pub async fn refresh_all(
    lk: &Latchkey,
    on_server: &(dyn Fn(&str, bool) + Send + Sync),
) -> Result<Vec<(String, Problem)>> {
    let servers = lk.store().list_servers()?;
    refresh(lk, servers, &|step| match step {
        RefreshStep::Started { url } => on_server(url, true),
        RefreshStep::Finished { url } => on_server(url, false),
        _ => {}
    })
    .await
}

/// The scanned file `file` holding `entry`, and the edit `fix` makes to it (nothing written).
async fn planned<'a>(
    lk: &Latchkey,
    scan: &'a Scan,
    file: &str,
    entry: &str,
    fix: Fix,
) -> Result<(&'a FileReport, PlannedEdit)> {
    let report = adopt::file_for(scan, entry, Some(Path::new(file)))?;
    let action = fix
        .action()
        .ok_or_else(|| Error::InvalidInput("an import is not a change to a config entry".into()))?;
    Ok((report, adopt::plan_for(lk, report, entry, action).await?))
}

/// The planned fix for `entry` in `file` (one of the scanned files only); nothing is written.
pub async fn adopt_plan(
    lk: &Latchkey,
    scan: &Scan,
    file: &str,
    entry: &str,
    fix: Fix,
) -> Result<AdoptPlan> {
    if fix == Fix::ImportTokens {
        return crate::import::offer::plan(scan, file);
    }
    let (report, edit) = planned(lk, scan, file, entry, fix).await?;
    Ok(AdoptPlan {
        file: report.path.display().to_string(),
        client: report.client.display_name().to_string(),
        entry: entry.to_string(),
        fix,
        changes: edit.summary,
        message: format!(
            "Latchkey will change {} ({}). A backup is kept first (latchkey restore puts it back).",
            report.path.display(),
            report.client.display_name()
        ),
        alternative: None,
    })
}

/// Make the fix (after the person said yes to [`adopt_plan`]): the backup's id.
pub async fn adopt(lk: &Latchkey, scan: &Scan, file: &str, entry: &str, fix: Fix) -> Result<i64> {
    // Planned again from the file as it is now: the write refuses if it changes before then.
    let (_, edit) = planned(lk, scan, file, entry, fix).await?;
    let action = fix.action().expect("planned() refuses an import");
    adopt::apply(lk, &edit, entry, action).await
}

/// Undo a fix: put the file back as backup `id` holds it (what `latchkey restore ID` does). The
/// content it replaces is backed up in turn; that backup's id is returned. Secrets the fix moved
/// stay in the store: the restored file holds them again, and nothing else is lost.
pub async fn undo_adopt(lk: &Latchkey, id: i64) -> Result<i64> {
    crate::clients::backup::restore(lk, id).await
}

/// The first-run pass for the files of `scan`, as the window and `latchkey setup` show it
/// (nothing is written), and the plan itself.
pub async fn setup_plan(
    lk: &Latchkey,
    scan: &Scan,
) -> Result<(
    crate::overview::setup::SetupView,
    crate::clients::setup::PassPlan,
)> {
    let plan = crate::clients::setup::plan(lk, scan).await?;
    let overview = crate::overview::build(lk, Some(scan), &Default::default(), crate::time::now())?;
    Ok((crate::overview::setup::view(scan, &plan, &overview), plan))
}

/// Make the pass the person consented to: planned again from the files as they are now, and
/// refused when that is no longer the plan they saw (`fingerprint`).
pub async fn setup_apply(
    lk: &Latchkey,
    scan: &Scan,
    fingerprint: &str,
) -> Result<crate::overview::setup::SetupDone> {
    let plan = crate::clients::setup::plan(lk, scan).await?;
    if crate::overview::setup::fingerprint(&plan) != fingerprint {
        return Err(Error::InvalidInput(
            "the config files changed since these changes were shown; nothing was written. Look at them again".into(),
        ));
    }
    let outcome = crate::clients::setup::apply(lk, &plan).await;
    Ok(crate::overview::setup::done(&outcome))
}

/// Undo a whole pass: every backup it made put back, one after the other (stopping at the
/// first that fails, with what was restored said in the error).
pub async fn undo_setup(lk: &Latchkey, backups: &[i64]) -> Result<Vec<i64>> {
    let mut undone = Vec::new();
    for id in backups {
        match crate::clients::backup::restore(lk, *id).await {
            Ok(undo) => undone.push(undo),
            Err(e) if undone.is_empty() => return Err(e),
            Err(e) => {
                return Err(Error::InvalidInput(format!(
                    "{} of {} files were put back, then: {e}",
                    undone.len(),
                    backups.len()
                )));
            }
        }
    }
    Ok(undone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::device::DeviceCode;

    #[test]
    fn a_device_code_is_shown_with_a_qr_code_of_its_address_and_nothing_else() {
        let shown = DeviceCodeShown::from(DeviceCode {
            user_code: "WDJB-MJHT".into(),
            verification_uri: "https://as.example/device".into(),
            verification_uri_complete: Some("https://as.example/device?user_code=WDJB-MJHT".into()),
            expires_in: std::time::Duration::from_secs(600),
        });
        let svg = shown.qr_svg.unwrap();
        // Inline markup: the `<svg>` element alone, drawn with paths, no text from the server.
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("as.example") && !svg.contains("<script"));
        assert_eq!(shown.user_code, "WDJB-MJHT");
    }
}
