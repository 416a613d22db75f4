//! Getting an account: open registration, by invitation (the default: editors hand out
//! links), or closed (administrators create accounts on the command line). Editors create
//! and see invitation links at `/admin/invites`.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{Duration, Utc};
use freewire_app::AppError;
use freewire_app::accounts::{self, Admission, NewAccount};
use freewire_core::password::MIN_PASSWORD_LEN;
use freewire_core::{Invite, NewAuditEntry, Registration, Role};
use serde::{Deserialize, Serialize};

use super::start_session;
use crate::error::WebError;
use crate::frame::Frame;
use crate::security::{random_token, same_origin, token_hash, tokens_match};
use crate::state::AppState;
use crate::viewer::{SignedIn, Viewer};
use crate::views::TimeView;

const REGISTER_CSRF_COOKIE: &str = "fw_register_csrf";
/// How long an invitation link works.
const INVITE_DAYS: i64 = 14;

/// `?invite=TOKEN`
#[derive(Debug, Deserialize)]
pub struct InviteQuery {
    invite: Option<String>,
}

#[derive(Serialize)]
struct RegisterPage<'a> {
    frame: Frame,
    csrf: &'a str,
    invite: &'a str,
    username: &'a str,
    min_password: usize,
    error: Option<&'a str>,
}

fn register_page(
    state: &AppState,
    jar: CookieJar,
    status: StatusCode,
    invite: &str,
    username: &str,
    error: Option<&str>,
) -> Result<Response, WebError> {
    let token = random_token();
    let cookie = Cookie::build((REGISTER_CSRF_COOKIE, token.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies())
        .path(state.link("/register"))
        .build();
    let ctx = RegisterPage {
        frame: Frame::new(state, None, "Create an account"),
        csrf: &token,
        invite,
        username,
        min_password: MIN_PASSWORD_LEN,
        error,
    };
    Ok((status, jar.add(cookie), Html(state.templates().render("register.html", ctx)?)).into_response())
}

/// Whether this request may register, and with which invitation.
async fn admission(state: &AppState, invite: Option<&str>) -> Result<Option<Invite>, WebError> {
    match state.config().registration {
        Registration::Closed => Err(WebError::Forbidden(
            "Registration is closed on this site. Ask its administrators for an account.".into(),
        )),
        Registration::Open => Ok(None),
        Registration::Invite => {
            let found = match invite.filter(|t| !t.is_empty()) {
                Some(t) => state.store().invite_by_token_hash(&token_hash(t), Utc::now()).await?,
                None => None,
            };
            found.map(Some).ok_or_else(|| {
                WebError::Forbidden(
                    "You need an invitation to register here, and this link is missing, used or expired. \
                     Ask an editor for a new one."
                        .into(),
                )
            })
        }
    }
}

/// GET /register
pub async fn show_register(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    jar: CookieJar,
    Query(q): Query<InviteQuery>,
) -> Result<Response, WebError> {
    if viewer.is_some() {
        return Ok(Redirect::to(&state.link("/")).into_response());
    }
    admission(&state, q.invite.as_deref()).await?;
    register_page(&state, jar, StatusCode::OK, q.invite.as_deref().unwrap_or_default(), "", None)
}

/// The registration form.
#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    csrf: String,
    username: String,
    password: String,
    repeat: String,
    invite: Option<String>,
}

/// POST /register
pub async fn submit_register(
    State(state): State<AppState>,
    crate::client::ClientAddress(client): crate::client::ClientAddress,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<RegisterForm>,
) -> Result<Response, WebError> {
    let invite_token = form.invite.clone().unwrap_or_default();
    let username = form.username.trim().to_owned();
    let expected = jar.get(REGISTER_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if !same_origin(&state, &headers) || !tokens_match(&expected, &form.csrf) {
        return register_page(
            &state,
            jar,
            StatusCode::FORBIDDEN,
            &invite_token,
            &username,
            Some("This form had expired. Please try again."),
        );
    }
    let invite = admission(&state, Some(&invite_token)).await?;
    if let Err(wait) = state.limits().sign_in(state.store(), client, &format!("register:{username}")).await? {
        let msg =
            format!("Too many attempts. Please wait {} seconds and try again.", wait.0.as_secs().max(1));
        return register_page(
            &state,
            jar,
            StatusCode::TOO_MANY_REQUESTS,
            &invite_token,
            &username,
            Some(&msg),
        );
    }
    if form.password != form.repeat {
        return register_page(
            &state,
            jar,
            StatusCode::BAD_REQUEST,
            &invite_token,
            &username,
            Some("The two passwords differ."),
        );
    }
    let role = invite.as_ref().map_or(Role::Contributor, |i| i.role);
    let account = NewAccount { username: username.clone(), email: None, role, password: form.password };
    let hashed_token = token_hash(&invite_token);
    let admission = match &invite {
        Some(_) => Admission::Invited { token_hash: &hashed_token },
        None => Admission::Direct,
    };
    let created = {
        let _slot = state.hashing().acquire().await.map_err(|e| WebError::Internal(e.to_string()))?;
        accounts::create_user(state.store(), account, admission).await
    };
    let user = match created {
        Ok(u) => u,
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let refusal = WebError::from(e);
            let (status, message) = (refusal.status(), refusal.to_string());
            return register_page(&state, jar, status, &invite_token, &username, Some(&message));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(username = %user.username, role = %user.role, invited = invite.is_some(), "registered");
    let jar = jar.remove(Cookie::build(REGISTER_CSRF_COOKIE).path(state.link("/register")));
    let jar = start_session(&state, jar, &headers, &user, false).await?;
    Ok((jar, Redirect::to(&state.link("/"))).into_response())
}

#[derive(Serialize)]
struct InviteRow {
    role: String,
    created: TimeView,
    expires: TimeView,
}

#[derive(Serialize)]
struct InvitesPage<'a> {
    frame: Frame,
    invites: Vec<InviteRow>,
    new_link: Option<&'a str>,
    can_invite_editors: bool,
    mode: Registration,
}

async fn invites_page(
    state: &AppState,
    who: &SignedIn,
    new_link: Option<&str>,
) -> Result<Response, WebError> {
    let invites = state.store().open_invites(Utc::now()).await?;
    let ctx = InvitesPage {
        frame: Frame::new(state, Some(who), "Invitations"),
        invites: invites
            .into_iter()
            .map(|i| InviteRow {
                role: i.role.to_string(),
                created: TimeView::new(i.created_at),
                expires: TimeView::new(i.expires_at),
            })
            .collect(),
        new_link,
        can_invite_editors: who.user.role == Role::Admin,
        mode: state.config().registration,
    };
    Ok(Html(state.templates().render("admin_invites.html", ctx)?).into_response())
}

/// GET /admin/invites
pub async fn list_invites(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
) -> Result<Response, WebError> {
    let who = crate::guard::editor(viewer, "Only editors can invite people.")?;
    invites_page(&state, &who, None).await
}

/// The invitation form.
#[derive(Debug, Deserialize)]
pub struct InviteForm {
    csrf: String,
    role: String,
}

/// POST /admin/invites — a new link, shown once.
pub async fn create_invite(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor(viewer, "Only editors can invite people.")?;
    if !same_origin(&state, &headers) || !tokens_match(&who.session.csrf_token, &form.csrf) {
        return Err(WebError::Forbidden(
            "This form had expired. Please reload the page and try again.".into(),
        ));
    }
    let role: Role = form.role.parse().map_err(WebError::BadRequest)?;
    // Editors invite contributors; only administrators hand out editing rights.
    if role > Role::Contributor && who.user.role != Role::Admin || role == Role::Admin {
        return Err(WebError::Forbidden("You cannot invite someone with that role.".into()));
    }
    let token = random_token();
    let now = Utc::now();
    state
        .store()
        .insert_invite(Invite {
            token_hash: token_hash(&token),
            created_by: who.user.id,
            role,
            created_at: now,
            expires_at: now + Duration::days(INVITE_DAYS),
            used_at: None,
        })
        .await?;
    state
        .store()
        .insert_audit(NewAuditEntry {
            actor_id: who.user.id,
            action: "invite.create".into(),
            target: format!("invitation for a {role}"),
            detail: String::new(),
        })
        .await?;
    let link = state.urls().absolute(&format!("/register?invite={token}"));
    invites_page(&state, &who, Some(&link)).await
}
