//! API tokens: made for an account (by its holder on the account page, or by the operator at
//! the command line), shown once, kept only as a hash, revoked by the holder. Every act is
//! audited. The REST API checks a presented token here.

use chrono::{Duration, Utc};
use freewire_core::password::{random_token, token_hash};
use freewire_core::{ApiToken, ApiTokenId, NewApiToken, Role, Store, TokenScope, User};

use crate::{Actor, AppError};

/// What every token starts with, so a leaked one is recognised (by secret scanners too).
pub const TOKEN_PREFIX: &str = "fw_";
/// The most unrevoked tokens one account may hold.
pub const MAX_TOKENS_PER_USER: usize = 50;
/// The longest label kept.
pub const MAX_LABEL_CHARS: usize = 100;
/// A token's last use is written at most this often (not on every call).
const LAST_USE_RESOLUTION: Duration = Duration::minutes(1);

/// A token just made: its record, and the secret, which is never shown again.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// What the store keeps.
    pub token: ApiToken,
    /// The secret to pass on.
    pub secret: String,
}

fn may_manage(actor: Actor<'_>, holder: &User) -> bool {
    match actor {
        Actor::Operator => true,
        Actor::User(u) => u.id == holder.id,
    }
}

/// Makes a token for `holder`. The holder themselves, or the operator.
pub async fn create_token(
    store: &dyn Store,
    actor: Actor<'_>,
    holder: &User,
    label: &str,
    scope: TokenScope,
) -> Result<IssuedToken, AppError> {
    if !may_manage(actor, holder) {
        return Err(AppError::Forbidden("Tokens are made by their holder, or at the command line.".into()));
    }
    let label = freewire_core::xml::strip_forbidden_chars(label).trim().to_owned();
    if label.is_empty() {
        return Err(AppError::Invalid("A token needs a label, to tell it apart from the others.".into()));
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(AppError::Invalid(format!("A token's label is at most {MAX_LABEL_CHARS} characters.")));
    }
    if scope == TokenScope::Admin && holder.role < Role::Editor {
        return Err(AppError::Invalid(
            "The admin scope is for editors and administrators; a contributor's token can read and write."
                .into(),
        ));
    }
    let live: Vec<ApiToken> =
        store.api_tokens_for_user(holder.id).await?.into_iter().filter(|t| t.revoked_at.is_none()).collect();
    if live.len() >= MAX_TOKENS_PER_USER {
        return Err(AppError::TooLarge(format!(
            "An account holds at most {MAX_TOKENS_PER_USER} tokens; revoke one it no longer needs."
        )));
    }
    if live.iter().any(|t| t.label == label) {
        return Err(AppError::Conflict(format!("A token labelled “{label}” exists already.")));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let new = NewApiToken {
        user_id: holder.id,
        label: label.clone(),
        scope,
        token_hash: token_hash(&secret),
        prefix: secret.chars().take(TOKEN_PREFIX.len() + 4).collect(),
        created_at: Utc::now(),
    };
    let audit =
        actor.audit_entry("token.create", format!("user {}", holder.username), format!("“{label}”, {scope}"));
    let token = store.insert_api_token(new, audit).await?;
    tracing::info!(actor = actor.name(), holder = %holder.username, token = token.id.0, %scope, "API token made");
    Ok(IssuedToken { token, secret })
}

/// Revokes `holder`'s token `id`. The holder themselves, or the operator.
pub async fn revoke_token(
    store: &dyn Store,
    actor: Actor<'_>,
    holder: &User,
    id: ApiTokenId,
) -> Result<(), AppError> {
    if !may_manage(actor, holder) {
        return Err(AppError::Forbidden("Only a token's holder can revoke it.".into()));
    }
    let label = store
        .api_tokens_for_user(holder.id)
        .await?
        .into_iter()
        .find(|t| t.id == id && t.revoked_at.is_none())
        .map(|t| t.label)
        .ok_or_else(|| AppError::NotFound("There is no such token, or it was revoked already.".into()))?;
    let audit = actor.audit_entry("token.revoke", format!("user {}", holder.username), format!("“{label}”"));
    if !store.revoke_api_token(holder.id, id, Utc::now(), audit).await? {
        return Err(AppError::NotFound("There is no such token, or it was revoked already.".into()));
    }
    tracing::info!(actor = actor.name(), holder = %holder.username, token = id.0, "API token revoked");
    Ok(())
}

/// The account a presented secret stands for, with the token's scope; `None` when it is not a
/// live token. Notes the use (to the minute).
pub async fn authenticate(store: &dyn Store, secret: &str) -> Result<Option<(ApiToken, User)>, AppError> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some((token, user)) = store.api_token_by_hash(&token_hash(secret)).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    if token.last_used_at.is_none_or(|at| now - at >= LAST_USE_RESOLUTION)
        && let Err(e) = store.touch_api_token(token.id, now).await
    {
        // Only the "last used" shown on the account page is late; the call goes on.
        tracing::warn!(token = token.id.0, error = %e, "could not note an API token's use");
    }
    Ok(Some((token, user)))
}
