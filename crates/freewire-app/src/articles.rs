//! Takedown: an editor withdraws an article (its address then answers 410 Gone with the
//! reason; it leaves lists, feeds, sitemaps, search and citations) or reinstates it. Both acts
//! are audited.

use chrono::Utc;
use freewire_core::xml::strip_forbidden_chars;
use freewire_core::{ArticleId, ArticleStatus, ArticleWithSource, Role, Store, Withdrawal};

use crate::{Actor, AppError};

/// The longest withdrawal notice kept.
pub const MAX_REASON_CHARS: usize = 500;

async fn article(store: &dyn Store, id: ArticleId) -> Result<ArticleWithSource, AppError> {
    store.article_by_id(id).await?.ok_or_else(|| AppError::NotFound(format!("There is no article {id}.")))
}

/// Withdraws a published article with a reason readers will see. Editors, by account (the
/// act is audited).
pub async fn withdraw_article(
    store: &dyn Store,
    actor: Actor<'_>,
    id: ArticleId,
    reason: &str,
) -> Result<ArticleWithSource, AppError> {
    actor.require(Role::Editor, "Only editors can withdraw articles.")?;
    let reason: String = strip_forbidden_chars(reason).trim().chars().take(MAX_REASON_CHARS).collect();
    if reason.is_empty() {
        return Err(AppError::Invalid(
            "Give a reason for withdrawing the article; readers who follow its link will see it.".into(),
        ));
    }
    let found = article(store, id).await?;
    if found.article.status != ArticleStatus::Published {
        return Err(AppError::Invalid("Only a published article can be withdrawn.".into()));
    }
    let audit = actor
        .audit(
            "article.withdraw",
            format!("article {id} ({})", found.article.permalink.path()),
            reason.clone(),
        )
        .ok_or_else(|| AppError::Forbidden("Articles are withdrawn by an editor's account.".into()))?;
    if !store.set_article_withdrawn(id, Some(Withdrawal { at: Utc::now(), reason }), audit).await? {
        return Err(AppError::NotFound(format!("There is no article {id}.")));
    }
    tracing::info!(actor = actor.name(), article = id.0, "article withdrawn");
    Ok(found)
}

/// Puts a withdrawn article back. Editors, by account (audited).
pub async fn reinstate_article(
    store: &dyn Store,
    actor: Actor<'_>,
    id: ArticleId,
) -> Result<ArticleWithSource, AppError> {
    actor.require(Role::Editor, "Only editors can reinstate articles.")?;
    let found = article(store, id).await?;
    if found.article.status != ArticleStatus::Withdrawn {
        return Err(AppError::Invalid("Only a withdrawn article can be reinstated.".into()));
    }
    let audit = actor
        .audit(
            "article.reinstate",
            format!("article {id} ({})", found.article.permalink.path()),
            String::new(),
        )
        .ok_or_else(|| AppError::Forbidden("Articles are reinstated by an editor's account.".into()))?;
    store.set_article_withdrawn(id, None, audit).await?;
    tracing::info!(actor = actor.name(), article = id.0, "article reinstated");
    Ok(found)
}
