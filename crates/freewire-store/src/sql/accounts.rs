//! Accounts: the [`AccountStore`] part of [`SqlStore`]. Users and their passwords,
//! invitations (spent in the statement that checks them), sessions (only token hashes are
//! kept), and two-factor sign-in with its recovery codes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use freewire_core::model::{
    ApiToken, ApiTokenId, Invite, NewApiToken, NewAuditEntry, NewUser, Session, TokenScope, User, UserId,
};
use freewire_core::{AccountStore, StoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::audit::audit_row;
use super::{SqlStore, corrupt, db_err, ts};
use crate::entity::{api_token, invite, recovery_code, session, user};

fn user_from(row: user::Model) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(row.id),
        role: row.role.parse().map_err(|e: String| corrupt("reading a role", e))?,
        username: row.username,
        email: row.email,
        password_hash: row.password_hash,
        created_at: row.created_at,
        totp_secret: row.totp_secret,
    })
}

fn invite_from(row: invite::Model) -> Result<Invite, StoreError> {
    Ok(Invite {
        role: row.role.parse().map_err(|e: String| corrupt("reading an invitation's role", e))?,
        token_hash: row.token_hash,
        created_by: UserId(row.created_by),
        created_at: row.created_at,
        expires_at: row.expires_at,
        used_at: row.used_at,
    })
}

fn session_from(row: session::Model) -> Session {
    Session {
        token_hash: row.token_hash,
        user_id: UserId(row.user_id),
        csrf_token: row.csrf_token,
        created_at: row.created_at,
        expires_at: row.expires_at,
        user_agent: row.user_agent,
        pending_second_factor: row.pending_second_factor,
    }
}

fn api_token_from(row: api_token::Model) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: ApiTokenId(row.id),
        user_id: UserId(row.user_id),
        scope: row.scope.parse::<TokenScope>().map_err(|e| corrupt("reading a token's scope", e))?,
        label: row.label,
        prefix: row.prefix,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    })
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn insert_user(&self, new: NewUser) -> Result<User, StoreError> {
        let row = user::ActiveModel {
            username: Set(new.username.clone()),
            email: Set(new.email),
            password_hash: Set(new.password_hash),
            role: Set(new.role.as_str().to_owned()),
            created_at: Set(ts(Utc::now())),
            totp_secret: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .map_err(|e| match db_err("user")(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("a user named {:?}", new.username)),
            other => other,
        })?;
        user_from(row)
    }

    async fn insert_invite(&self, i: Invite) -> Result<(), StoreError> {
        invite::ActiveModel {
            token_hash: Set(i.token_hash),
            created_by: Set(i.created_by.0),
            role: Set(i.role.as_str().to_owned()),
            created_at: Set(ts(i.created_at)),
            expires_at: Set(ts(i.expires_at)),
            used_at: Set(i.used_at.map(ts)),
            used_by: Set(None),
        }
        .insert(&self.db)
        .await
        .map_err(db_err("an invitation"))?;
        Ok(())
    }

    async fn open_invites(&self, now: DateTime<Utc>) -> Result<Vec<Invite>, StoreError> {
        invite::Entity::find()
            .filter(invite::Column::UsedAt.is_null())
            .filter(invite::Column::ExpiresAt.gt(ts(now)))
            .order_by_desc(invite::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(db_err("listing invitations"))?
            .into_iter()
            .map(invite_from)
            .collect()
    }

    async fn invite_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Invite>, StoreError> {
        invite::Entity::find_by_id(token_hash.to_owned())
            .filter(invite::Column::UsedAt.is_null())
            .filter(invite::Column::ExpiresAt.gt(ts(now)))
            .one(&self.db)
            .await
            .map_err(db_err("reading an invitation"))?
            .map(invite_from)
            .transpose()
    }

    async fn insert_user_with_invite(
        &self,
        new: NewUser,
        invite_token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let row = user::ActiveModel {
            username: Set(new.username.clone()),
            email: Set(new.email),
            password_hash: Set(new.password_hash),
            role: Set(new.role.as_str().to_owned()),
            created_at: Set(ts(now)),
            totp_secret: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| match db_err("user")(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("a user named {:?}", new.username)),
            other => other,
        })?;
        // Spent in the same statement that checks it: one invitation makes one account.
        let spent = invite::Entity::update_many()
            .col_expr(invite::Column::UsedAt, Expr::value(Some(ts(now))))
            .col_expr(invite::Column::UsedBy, Expr::value(Some(row.id)))
            .filter(invite::Column::TokenHash.eq(invite_token_hash))
            .filter(invite::Column::UsedAt.is_null())
            .filter(invite::Column::ExpiresAt.gt(ts(now)))
            .exec(&txn)
            .await
            .map_err(db_err("spending an invitation"))?;
        if spent.rows_affected != 1 {
            return Err(StoreError::Missing("a valid invitation".to_owned()));
        }
        txn.commit().await.map_err(db_err("committing a registration"))?;
        user_from(row)
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(&self.db)
            .await
            .map_err(db_err("reading a user"))?
            .map(user_from)
            .transpose()
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        user::Entity::find_by_id(id.0)
            .one(&self.db)
            .await
            .map_err(db_err("reading a user"))?
            .map(user_from)
            .transpose()
    }

    async fn insert_session(&self, s: Session) -> Result<(), StoreError> {
        session::ActiveModel {
            token_hash: Set(s.token_hash),
            user_id: Set(s.user_id.0),
            csrf_token: Set(s.csrf_token),
            created_at: Set(ts(s.created_at)),
            expires_at: Set(ts(s.expires_at)),
            user_agent: Set(s.user_agent),
            pending_second_factor: Set(s.pending_second_factor),
        }
        .insert(&self.db)
        .await
        .map_err(|e| match db_err("session")(e) {
            StoreError::Missing(_) => StoreError::Missing(format!("user {}", s.user_id)),
            other => other,
        })?;
        Ok(())
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let Some(row) = session::Entity::find_by_id(token_hash.to_owned())
            .filter(session::Column::ExpiresAt.gt(ts(now)))
            .one(&self.db)
            .await
            .map_err(db_err("reading a session"))?
        else {
            return Ok(None);
        };
        let Some(user) = self.user_by_id(UserId(row.user_id)).await? else {
            return Ok(None);
        };
        Ok(Some((session_from(row), user)))
    }

    async fn touch_session(&self, token_hash: &str, expires_at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = session::Entity::update_many()
            .col_expr(session::Column::ExpiresAt, Expr::value(ts(expires_at)))
            .filter(session::Column::TokenHash.eq(token_hash))
            .exec(&self.db)
            .await
            .map_err(db_err("keeping a session alive"))?;
        Ok(done.rows_affected > 0)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        session::Entity::delete_by_id(token_hash.to_owned())
            .exec(&self.db)
            .await
            .map_err(db_err("ending a session"))?;
        Ok(())
    }

    async fn sessions_for_user(&self, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>, StoreError> {
        Ok(session::Entity::find()
            .filter(session::Column::UserId.eq(user.0))
            .filter(session::Column::ExpiresAt.gt(ts(now)))
            .order_by_desc(session::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(db_err("listing sessions"))?
            .into_iter()
            .map(session_from)
            .collect())
    }

    async fn delete_sessions_for_user(&self, user: UserId, keep: Option<&str>) -> Result<u64, StoreError> {
        let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user.0));
        if let Some(keep) = keep {
            delete = delete.filter(session::Column::TokenHash.ne(keep));
        }
        Ok(delete.exec(&self.db).await.map_err(db_err("ending sessions"))?.rows_affected)
    }

    async fn enable_totp(
        &self,
        user: UserId,
        secret: String,
        recovery_hashes: Vec<String>,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let result = user::Entity::update_many()
            .col_expr(user::Column::TotpSecret, Expr::value(Some(secret)))
            .filter(user::Column::Id.eq(user.0))
            .exec(&txn)
            .await
            .map_err(db_err("turning two-factor sign-in on"))?;
        if result.rows_affected == 0 {
            return Err(StoreError::Missing(format!("user {user}")));
        }
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user.0))
            .exec(&txn)
            .await
            .map_err(db_err("replacing recovery codes"))?;
        for hash in recovery_hashes {
            recovery_code::ActiveModel {
                user_id: Set(user.0),
                code_hash: Set(hash),
                used_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(db_err("storing a recovery code"))?;
        }
        txn.commit().await.map_err(db_err("committing two-factor sign-in"))
    }

    async fn disable_totp(&self, user: UserId) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        user::Entity::update_many()
            .col_expr(user::Column::TotpSecret, Expr::value(Option::<String>::None))
            .filter(user::Column::Id.eq(user.0))
            .exec(&txn)
            .await
            .map_err(db_err("turning two-factor sign-in off"))?;
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user.0))
            .exec(&txn)
            .await
            .map_err(db_err("removing recovery codes"))?;
        txn.commit().await.map_err(db_err("committing two-factor sign-in"))
    }

    async fn use_recovery_code(&self, user: UserId, code_hash: &str) -> Result<bool, StoreError> {
        // One statement: two simultaneous uses of the same code cannot both succeed.
        let result = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::UsedAt, Expr::value(Some(ts(Utc::now()))))
            .filter(recovery_code::Column::UserId.eq(user.0))
            .filter(recovery_code::Column::CodeHash.eq(code_hash))
            .filter(recovery_code::Column::UsedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(db_err("using a recovery code"))?;
        Ok(result.rows_affected == 1)
    }

    async fn update_password(&self, user: UserId, password_hash: String) -> Result<bool, StoreError> {
        let result = user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
            .filter(user::Column::Id.eq(user.0))
            .exec(&self.db)
            .await
            .map_err(db_err("changing a password"))?;
        Ok(result.rows_affected > 0)
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(ts(now)))
            .exec(&self.db)
            .await
            .map_err(db_err("removing expired sessions"))?
            .rows_affected)
    }

    async fn insert_api_token(&self, t: NewApiToken, audit: NewAuditEntry) -> Result<ApiToken, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let row = api_token::ActiveModel {
            user_id: Set(t.user_id.0),
            label: Set(t.label),
            scope: Set(t.scope.as_str().to_owned()),
            token_hash: Set(t.token_hash),
            prefix: Set(t.prefix),
            created_at: Set(ts(t.created_at)),
            last_used_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| match db_err("API token")(e) {
            StoreError::Missing(_) => StoreError::Missing(format!("user {}", t.user_id)),
            other => other,
        })?;
        audit_row(audit, Utc::now()).insert(&txn).await.map_err(db_err("recording an act"))?;
        txn.commit().await.map_err(db_err("committing a new API token"))?;
        api_token_from(row)
    }

    async fn api_tokens_for_user(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        api_token::Entity::find()
            .filter(api_token::Column::UserId.eq(user.0))
            .order_by_desc(api_token::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err("listing API tokens"))?
            .into_iter()
            .map(api_token_from)
            .collect()
    }

    async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>, StoreError> {
        let Some(row) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await
            .map_err(db_err("reading an API token"))?
        else {
            return Ok(None);
        };
        let Some(user) = self.user_by_id(UserId(row.user_id)).await? else {
            return Ok(None);
        };
        Ok(Some((api_token_from(row)?, user)))
    }

    async fn touch_api_token(&self, id: ApiTokenId, at: DateTime<Utc>) -> Result<(), StoreError> {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(ts(at)))
            .filter(api_token::Column::Id.eq(id.0))
            .exec(&self.db)
            .await
            .map_err(db_err("noting an API token's use"))?;
        Ok(())
    }

    async fn revoke_api_tokens_for_user(
        &self,
        user: UserId,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<u64, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let revoked = api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(ts(at)))
            .filter(api_token::Column::UserId.eq(user.0))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_err("revoking API tokens"))?
            .rows_affected;
        if revoked > 0 {
            audit_row(audit, Utc::now()).insert(&txn).await.map_err(db_err("recording an act"))?;
        }
        txn.commit().await.map_err(db_err("committing revoked API tokens"))?;
        Ok(revoked)
    }

    async fn revoke_api_token(
        &self,
        user: UserId,
        id: ApiTokenId,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let result = api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(ts(at)))
            .filter(api_token::Column::Id.eq(id.0))
            .filter(api_token::Column::UserId.eq(user.0))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_err("revoking an API token"))?;
        if result.rows_affected == 0 {
            return Ok(false);
        }
        audit_row(audit, Utc::now()).insert(&txn).await.map_err(db_err("recording an act"))?;
        txn.commit().await.map_err(db_err("committing a revoked API token"))?;
        Ok(true)
    }
}
