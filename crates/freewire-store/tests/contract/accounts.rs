//! [`AccountStore`](freewire_core::AccountStore): users, invitations, sessions and two-factor
//! sign-in.

use chrono::Duration;
use freewire_core::StoreError;
use freewire_core::model::{NewUser, Role, Session, UserId};
use freewire_core::store::prelude::*;

use crate::{Fixture, at, user};

async fn users_are_unique_and_keep_their_role(f: &Fixture) {
    let s = &f.store;
    let id = user(s, "ada", Role::Editor).await;
    let found = s.user_by_name("ada").await.unwrap().unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.role, Role::Editor);
    assert_eq!(s.user_by_id(id).await.unwrap(), Some(found));
    assert!(s.user_by_name("bob").await.unwrap().is_none());
    let dup = s
        .insert_user(NewUser {
            username: "ada".into(),
            email: None,
            password_hash: "x".into(),
            role: Role::Admin,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(ref m)) if m.contains("ada")), "{dup:?}");
}

async fn sessions_expire_and_can_be_ended(f: &Fixture) {
    let s = &f.store;
    let uid = user(s, "ada", Role::Contributor).await;
    let now = at(2024, 6, 1, 12, 0, 0);
    let session = |hash: &str, expires| Session {
        token_hash: hash.to_owned(),
        user_id: uid,
        csrf_token: format!("csrf-{hash}"),
        created_at: now,
        expires_at: expires,
        user_agent: Some("test".into()),
        pending_second_factor: false,
    };
    s.insert_session(session("live", now + Duration::days(7))).await.unwrap();
    s.insert_session(session("old", now - Duration::seconds(1))).await.unwrap();
    let (found, who) = s.session_by_token_hash("live", now).await.unwrap().unwrap();
    assert_eq!(found.csrf_token, "csrf-live");
    assert_eq!(who.username, "ada");
    assert!(
        s.session_by_token_hash("old", now).await.unwrap().is_none(),
        "expired sessions are not returned"
    );
    assert!(s.session_by_token_hash("live", now + Duration::days(8)).await.unwrap().is_none());
    s.insert_session(session("other", now + Duration::days(7))).await.unwrap();
    let mine: Vec<_> =
        s.sessions_for_user(uid, now).await.unwrap().into_iter().map(|x| x.token_hash).collect();
    assert_eq!(mine.len(), 2, "live sessions only: {mine:?}");
    assert_eq!(
        s.delete_sessions_for_user(uid, Some("live")).await.unwrap(),
        2,
        "the other and the expired one"
    );
    assert!(s.session_by_token_hash("other", now).await.unwrap().is_none());
    assert!(s.session_by_token_hash("live", now).await.unwrap().is_some(), "the kept one lives");
    s.insert_session(session("old", now - Duration::seconds(1))).await.unwrap();
    assert!(s.update_password(uid, "new-hash".into()).await.unwrap());
    assert_eq!(s.user_by_id(uid).await.unwrap().unwrap().password_hash, "new-hash");
    assert!(!s.update_password(UserId(9999), "x".into()).await.unwrap());
    s.insert_session(Session { pending_second_factor: true, ..session("half", now + Duration::days(1)) })
        .await
        .unwrap();
    assert!(s.session_by_token_hash("half", now).await.unwrap().unwrap().0.pending_second_factor);

    assert_eq!(s.user_by_id(uid).await.unwrap().unwrap().totp_secret, None);
    s.enable_totp(uid, "JBSWY3DPEHPK3PXP".into(), vec!["h1".into(), "h2".into()]).await.unwrap();
    assert_eq!(s.user_by_id(uid).await.unwrap().unwrap().totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert!(s.use_recovery_code(uid, "h1").await.unwrap());
    assert!(!s.use_recovery_code(uid, "h1").await.unwrap(), "a recovery code works once");
    assert!(!s.use_recovery_code(uid, "nope").await.unwrap());
    s.enable_totp(uid, "JBSWY3DPEHPK3PXQ".into(), vec!["h3".into()]).await.unwrap();
    assert!(!s.use_recovery_code(uid, "h2").await.unwrap(), "new codes replace the old");
    assert!(s.use_recovery_code(uid, "h3").await.unwrap());
    s.disable_totp(uid).await.unwrap();
    assert_eq!(s.user_by_id(uid).await.unwrap().unwrap().totp_secret, None);
    assert!(matches!(s.enable_totp(UserId(9999), "x".into(), vec![]).await, Err(StoreError::Missing(_))));
    assert_eq!(s.delete_expired_sessions(now).await.unwrap(), 1);
    // A session in use is kept alive past its old end; an unknown one is no error.
    assert!(s.touch_session("live", now + Duration::days(9)).await.unwrap());
    assert!(s.session_by_token_hash("live", now + Duration::days(8)).await.unwrap().is_some());
    assert!(!s.touch_session("never-existed", now + Duration::days(9)).await.unwrap());
    s.delete_session("live").await.unwrap();
    assert!(s.session_by_token_hash("live", now).await.unwrap().is_none());
    s.delete_session("never-existed").await.unwrap();
    let orphan = s.insert_session(Session { user_id: UserId(9999), ..session("x", now) }).await;
    assert!(matches!(orphan, Err(StoreError::Missing(_))), "{orphan:?}");
}

async fn an_invitation_makes_one_account_before_it_expires(f: &Fixture) {
    let s = &f.store;
    let editor = user(s, "ed", Role::Editor).await;
    let now = at(2024, 9, 1, 12, 0, 0);
    let invite = |hash: &str, expires| freewire_core::Invite {
        token_hash: hash.into(),
        created_by: editor,
        role: Role::Contributor,
        created_at: now,
        expires_at: expires,
        used_at: None,
    };
    s.insert_invite(invite("live", now + Duration::days(7))).await.unwrap();
    s.insert_invite(invite("stale", now - Duration::days(1))).await.unwrap();
    assert_eq!(s.open_invites(now).await.unwrap().len(), 1);
    assert!(s.invite_by_token_hash("stale", now).await.unwrap().is_none());
    assert_eq!(s.invite_by_token_hash("live", now).await.unwrap().unwrap().role, Role::Contributor);
    let new = |name: &str| NewUser {
        username: name.into(),
        email: None,
        password_hash: "h".into(),
        role: Role::Contributor,
    };
    let made = s.insert_user_with_invite(new("ada"), "live", now).await.unwrap();
    assert_eq!(made.username, "ada");
    let again = s.insert_user_with_invite(new("bob"), "live", now).await;
    assert!(matches!(again, Err(StoreError::Missing(_))), "{again:?}");
    assert!(s.user_by_name("bob").await.unwrap().is_none(), "the refused registration left no account");
    assert!(matches!(s.insert_user_with_invite(new("eve"), "stale", now).await, Err(StoreError::Missing(_))));
    assert!(s.open_invites(now).await.unwrap().is_empty());
}

contract!(
    users_are_unique_and_keep_their_role,
    sessions_expire_and_can_be_ended,
    an_invitation_makes_one_account_before_it_expires,
);
