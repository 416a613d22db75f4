//! Accounts: creating one (the command line, open registration, an invitation) and setting a
//! password anew. Passwords are hashed with argon2id off the async threads.

use chrono::Utc;
use freewire_core::password::{PasswordError, hash_password};
use freewire_core::{NewUser, Role, Store, StoreError, User, UserId, check_username};

use crate::AppError;

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The name people see in timelines.
    pub username: String,
    /// An address, if given.
    pub email: Option<String>,
    /// The role it gets.
    pub role: Role,
    /// The password, in clear; only its hash is kept.
    pub password: String,
}

/// How the account came to be.
#[derive(Debug, Clone, Copy)]
pub enum Admission<'a> {
    /// Created by the operator, or registered where registration is open.
    Direct,
    /// Registered with an invitation; the invitation (by its token's hash) is spent with it.
    Invited {
        /// sha256 of the invitation's token.
        token_hash: &'a str,
    },
}

async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("hashing a password was interrupted: {e}")))?
        .map_err(|e| match e {
            PasswordError::TooShort | PasswordError::TooLong | PasswordError::Common => {
                AppError::Invalid(format!("{}.", capitalised(&e.to_string())))
            }
            PasswordError::Hash(_) => AppError::Internal(e.to_string()),
        })
}

/// Creates an account.
pub async fn create_user(
    store: &dyn Store,
    account: NewAccount,
    admission: Admission<'_>,
) -> Result<User, AppError> {
    let username = account.username.trim().to_owned();
    check_username(&username).map_err(AppError::Invalid)?;
    let password_hash = hash(account.password).await?;
    let new = NewUser { username: username.clone(), email: account.email, password_hash, role: account.role };
    let created = match admission {
        Admission::Direct => store.insert_user(new).await,
        Admission::Invited { token_hash } => store.insert_user_with_invite(new, token_hash, Utc::now()).await,
    };
    match created {
        Ok(user) => {
            tracing::info!(username = %user.username, role = %user.role, "account created");
            Ok(user)
        }
        Err(StoreError::Conflict(_)) => {
            Err(AppError::Conflict(format!("A user named “{username}” exists already; choose another name.")))
        }
        Err(StoreError::Missing(_)) => Err(AppError::Forbidden(
            "This invitation was used or expired a moment ago. Ask an editor for a new one.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Sets a new password and ends the account's sessions except `keep` (a session token's
/// hash: the one changing it); returns how many sessions ended.
pub async fn set_password(
    store: &dyn Store,
    user: UserId,
    password: String,
    keep: Option<&str>,
) -> Result<u64, AppError> {
    let password_hash = hash(password).await?;
    if !store.update_password(user, password_hash).await? {
        return Err(AppError::NotFound(format!("There is no user {user}.")));
    }
    Ok(store.delete_sessions_for_user(user, keep).await?)
}

/// What a reset ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reset {
    /// Sessions ended.
    pub sessions: u64,
    /// API tokens revoked.
    pub tokens: u64,
}

/// Sets a new password for the named account (the command line's reset, for an account that
/// may be in other hands), ending all its sessions and revoking all its API tokens.
pub async fn reset_password(store: &dyn Store, username: &str, password: String) -> Result<Reset, AppError> {
    let user = store
        .user_by_name(username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no user named “{username}”.")))?;
    let sessions = set_password(store, user.id, password, None).await?;
    let audit = freewire_core::NewAuditEntry {
        actor_id: UserId::OPERATOR,
        action: "token.revoke".into(),
        target: format!("user {username}"),
        detail: "all, with a password reset".into(),
    };
    let tokens = store.revoke_api_tokens_for_user(user.id, Utc::now(), audit).await?;
    Ok(Reset { sessions, tokens })
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
