//! [`AccountStore`]: people who sign in: users and their passwords, invitations, sessions,
//! and two-factor sign-in with its recovery codes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::model::{
    ApiToken, ApiTokenId, Invite, NewApiToken, NewAuditEntry, NewUser, Session, User, UserId,
};

/// Accounts and sessions, behind use-case shaped, atomic calls.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates a user; [`StoreError::Conflict`] when the username is taken.
    async fn insert_user(&self, user: NewUser) -> Result<User, StoreError>;
    /// Records an invitation.
    async fn insert_invite(&self, invite: Invite) -> Result<(), StoreError>;
    /// Invitations not yet used nor expired at `now`, newest first.
    async fn open_invites(&self, now: DateTime<Utc>) -> Result<Vec<Invite>, StoreError>;
    /// The invitation with this token hash, if it is unused and unexpired at `now`.
    async fn invite_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Invite>, StoreError>;
    /// Creates the user and spends the invitation together: [`StoreError::Missing`] when the
    /// invitation was used or expired meanwhile, [`StoreError::Conflict`] when the name is taken.
    async fn insert_user_with_invite(
        &self,
        user: NewUser,
        invite_token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError>;
    /// A user by username (exact match).
    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// A user by id.
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// Records a new session.
    async fn insert_session(&self, session: Session) -> Result<(), StoreError>;
    /// The live session with this token hash and its user; expired sessions are not returned.
    async fn session_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError>;
    /// Moves a session's end to `expires_at` (a session in use outlives its idle timeout);
    /// `false` when there is no such session.
    async fn touch_session(&self, token_hash: &str, expires_at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Ends a session (logout). Ending an unknown session is not an error.
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// A user's live sessions, newest first.
    async fn sessions_for_user(&self, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>, StoreError>;
    /// Ends every session of a user except the one with `keep` (all of them with `None`);
    /// returns how many ended.
    async fn delete_sessions_for_user(&self, user: UserId, keep: Option<&str>) -> Result<u64, StoreError>;
    /// Turns two-factor sign-in on with `secret`, replacing any recovery codes with these
    /// hashes, in one transaction.
    async fn enable_totp(
        &self,
        user: UserId,
        secret: String,
        recovery_hashes: Vec<String>,
    ) -> Result<(), StoreError>;
    /// Turns two-factor sign-in off and forgets the recovery codes.
    async fn disable_totp(&self, user: UserId) -> Result<(), StoreError>;
    /// Uses up a recovery code: `true` when it was the user's and unused (it is now used).
    async fn use_recovery_code(&self, user: UserId, code_hash: &str) -> Result<bool, StoreError>;
    /// Replaces a user's password hash; `false` when there is no such user.
    async fn update_password(&self, user: UserId, password_hash: String) -> Result<bool, StoreError>;
    /// Removes sessions that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Records a new API token and the act, in one transaction.
    async fn insert_api_token(
        &self,
        token: NewApiToken,
        audit: NewAuditEntry,
    ) -> Result<ApiToken, StoreError>;
    /// A user's tokens, revoked ones too, newest first.
    async fn api_tokens_for_user(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError>;
    /// The unrevoked token with this hash and its user.
    async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>, StoreError>;
    /// Notes that a token authorised a call at `at`.
    async fn touch_api_token(&self, id: ApiTokenId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Revokes every unrevoked token of `user` at `at` and records the act (when any was), in one
    /// transaction; returns how many.
    async fn revoke_api_tokens_for_user(
        &self,
        user: UserId,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<u64, StoreError>;
    /// Revokes `user`'s token `id` at `at` and records the act, in one transaction; `false` when
    /// the user has no such unrevoked token.
    async fn revoke_api_token(
        &self,
        user: UserId,
        id: ApiTokenId,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError>;
}
