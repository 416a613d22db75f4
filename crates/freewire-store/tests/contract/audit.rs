//! [`AuditStore`](freewire_core::AuditStore): the audit log. Acts recorded together with what
//! they change (withdrawals, terms, moderation) are checked in those aggregates' cases.

use freewire_core::NewAuditEntry;
use freewire_core::model::{PageRequest, Role, UserId};
use freewire_core::store::prelude::*;

use crate::{Fixture, user};

async fn the_audit_log_lists_acts_newest_first_with_who_did_them(f: &Fixture) {
    let s = &f.store;
    let editor = user(s, "ed", Role::Editor).await;
    let act = |actor, action: &str| NewAuditEntry {
        actor_id: actor,
        action: action.into(),
        target: "feed 1".into(),
        detail: String::new(),
    };
    assert_eq!(s.list_audit(PageRequest::new(1, 10)).await.unwrap().total, 0);
    s.insert_audit(act(editor, "feed.disable")).await.unwrap();
    s.insert_audit(act(editor, "feed.enable")).await.unwrap();
    // An actor without an account row still has a name to show.
    s.insert_audit(act(UserId(9999), "source.terms")).await.unwrap();
    let first = s.list_audit(PageRequest::new(1, 2)).await.unwrap();
    assert_eq!(first.total, 3);
    assert_eq!(
        first.items.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect::<Vec<_>>(),
        [("source.terms", "user 9999"), ("feed.enable", "ed")]
    );
    let second = s.list_audit(PageRequest::new(2, 2)).await.unwrap();
    assert_eq!(second.items.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["feed.disable"]);
    assert_eq!((second.items[0].actor_id, second.items[0].target.as_str()), (editor, "feed 1"));
}

contract!(the_audit_log_lists_acts_newest_first_with_who_did_them,);
