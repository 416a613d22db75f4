//! freewire's use cases: every state change that more than one way in (the web, the command
//! line, the API) performs lives here once, as one function. Each takes plain inputs, the
//! actor, and the storage traits; it enforces every rule (who may, limits, audit, clean-up on
//! failure) and returns a domain result or an [`AppError`] that says what went wrong in words
//! for the person who asked. A web handler parses the request, calls one of these and renders
//! the result; a command does the same with its arguments and prints.

pub mod accounts;
pub mod articles;
pub mod error;
pub mod import;
pub mod sources;
pub mod stories;
pub mod tokens;
pub mod updates;
pub mod websub;

pub use error::AppError;

use freewire_core::{NewAuditEntry, Role, User, UserId};

/// Who is acting.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// Whoever runs the command line on the server: may do everything. No account did it, so
    /// the act is logged but not entered in the audit log.
    Operator,
    /// A signed-in account, with its role.
    User(&'a User),
}

impl Actor<'_> {
    /// Whether the actor has at least `role`.
    #[must_use]
    pub fn has(self, role: Role) -> bool {
        match self {
            Actor::Operator => true,
            Actor::User(u) => u.role >= role,
        }
    }

    /// The account, if one is acting.
    #[must_use]
    pub fn user_id(self) -> Option<UserId> {
        match self {
            Actor::Operator => None,
            Actor::User(u) => Some(u.id),
        }
    }

    /// A name for logs.
    #[must_use]
    pub fn name(&self) -> &str {
        match *self {
            Actor::Operator => "operator",
            Actor::User(u) => &u.username,
        }
    }

    /// Refuses with `message` unless the actor has at least `role`.
    pub fn require(self, role: Role, message: &str) -> Result<(), AppError> {
        if self.has(role) { Ok(()) } else { Err(AppError::Forbidden(message.to_owned())) }
    }

    /// The audit entry for an act, by an account or the operator ([`UserId::OPERATOR`]).
    fn audit_entry(self, action: &str, target: String, detail: String) -> NewAuditEntry {
        NewAuditEntry {
            actor_id: self.user_id().unwrap_or(UserId::OPERATOR),
            action: action.to_owned(),
            target,
            detail,
        }
    }

    /// The audit entry for an act, when an account did it.
    fn audit(self, action: &str, target: String, detail: String) -> Option<NewAuditEntry> {
        self.user_id().map(|actor_id| NewAuditEntry { actor_id, action: action.to_owned(), target, detail })
    }
}
