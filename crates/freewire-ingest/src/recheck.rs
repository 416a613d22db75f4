//! Re-reading articles' original pages to see the outlet's later edits.
//!
//! Which articles: those whose text came from their page (the feed carried only a summary),
//! from the day they are stored, and again from each edit the outlet makes. (An article whose
//! text came from its feed is followed by the feed: its page, read by another route, words it
//! differently, and those differences are not the outlet's edits.) How often: by how long ago
//! the article last changed, on a decaying schedule (by default `NewsDiffs`' schedule: every
//! 15 minutes for 3 hours after a change, hourly for a day, every 3 hours for a week, daily for
//! 30 days), never again 30 days after the last change. Each visit is a conditional request
//! made inside the poller's per-host limits and robots.txt, like every other fetch.
//!
//! A page whose text changed becomes a revision through the same store call a feed's re-sent
//! item takes, so what counts as an edit (and what is only noise) is decided in one place.

use std::time::Duration;

use chrono::{DateTime, Utc};
use freewire_core::model::{InsertOutcome, NewArticle, Recheck};
use freewire_core::revision::version_key;
use freewire_core::{ArticleId, StoreError};
use url::Url;

use crate::fetch::Validators;
use crate::poll::{PageRead, Poller};

/// How often a page is read again, by how long ago its article last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecheckSchedule {
    /// `(while younger than, read every)`, youngest first. Empty: pages are never re-read.
    pub steps: Vec<(Duration, Duration)>,
    /// No visit this long after the last change.
    pub stop_after: Duration,
}

impl Default for RecheckSchedule {
    fn default() -> Self {
        RecheckSchedule {
            steps: vec![
                (Duration::from_hours(3), Duration::from_mins(15)),
                (Duration::from_hours(24), Duration::from_hours(1)),
                (Duration::from_hours(24 * 7), Duration::from_hours(3)),
                (Duration::from_hours(24 * 30), Duration::from_hours(24)),
            ],
            stop_after: Duration::from_hours(24 * 30),
        }
    }
}

impl RecheckSchedule {
    /// The next visit after one at `now`, for an article that last changed at `changed_at`;
    /// `None` once the schedule has run out.
    #[must_use]
    pub fn next_visit(&self, changed_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let age = (now - changed_at).to_std().unwrap_or_default();
        let (_, every) = self.steps.iter().find(|(younger_than, _)| age < *younger_than)?;
        let next = now + chrono::Duration::from_std(*every).ok()?;
        (next <= self.until(changed_at)?).then_some(next)
    }

    /// When visits stop for an article that last changed at `changed_at`.
    #[must_use]
    pub fn until(&self, changed_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        Some(changed_at + chrono::Duration::from_std(self.stop_after).ok()?)
    }
}

/// What one visit found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// 304, or the same text.
    Unchanged,
    /// The page's text was recorded for later visits to compare with.
    Recorded,
    /// The outlet edited the article: a revision was stored.
    Edited,
    /// The page could not be read this time (network, status, robots.txt, not an article).
    Unreadable,
    /// The schedule had run out before this visit came round (no visit was made meanwhile):
    /// the page was not read, and is read no more.
    Expired,
}

/// One page's visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitReport {
    /// The article.
    pub article_id: ArticleId,
    /// What the visit found.
    pub outcome: Visit,
    /// The next visit, if any.
    pub next: Option<DateTime<Utc>>,
}

impl Poller {
    /// Starts re-reading the pages of the articles a poll stored from their pages (`pages`:
    /// per batch item, the page's validators when its text came from there), and starts again
    /// for articles the outlet just edited.
    pub(crate) async fn schedule_rechecks(
        &self,
        outcomes: &[InsertOutcome],
        pages: Vec<Option<Validators>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let schedule = &self.config.recheck;
        let (Some(first), Some(until)) = (schedule.next_visit(now, now), schedule.until(now)) else {
            return Ok(());
        };
        let mut revised = Vec::new();
        for (outcome, page) in outcomes.iter().zip(pages) {
            match (outcome, page) {
                (InsertOutcome::Inserted(a), Some(validators)) => {
                    let Some(url) = a.original_url.clone() else { continue };
                    self.store
                        .schedule_recheck(Recheck {
                            article_id: a.id,
                            url,
                            due_at: first,
                            changed_at: now,
                            until,
                            etag: validators.etag,
                            last_modified: validators.last_modified,
                            page_key: Some(version_key("", &a.body_html)),
                            checks: 0,
                        })
                        .await?;
                }
                (InsertOutcome::Revised(id), _) => revised.push(*id),
                _ => {}
            }
        }
        // An edit restarts the schedule of an article whose text comes from its page. One whose
        // text comes from its feed is followed by its feed: its page's text, read by another
        // route, would show the reading's differences as the outlet's edits.
        for id in revised {
            if let Some(existing) = self.store.recheck_for_article(id).await? {
                self.store
                    .schedule_recheck(Recheck {
                        due_at: first,
                        changed_at: now,
                        until,
                        // Keeps the page's text recorded at the last visit.
                        page_key: None,
                        ..existing
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// Reads again the pages due at `now`, one claimed batch (`batch` in the poll settings),
    /// and schedules each one's next visit; returns what each visit found. One batch a round,
    /// so a backlog of pages on a slow host never holds up the feeds' polls.
    pub async fn recheck_due_at(&self, now: DateTime<Utc>) -> Result<Vec<VisitReport>, StoreError> {
        let lease =
            now + chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::minutes(10));
        let due = self.store.claim_due_rechecks(now, self.config.batch, lease).await?;
        futures_util::future::join_all(due.into_iter().map(|r| self.visit(r, now)))
            .await
            .into_iter()
            .collect()
    }

    async fn visit(&self, mut recheck: Recheck, now: DateTime<Utc>) -> Result<VisitReport, StoreError> {
        let (id, claimed) = (recheck.article_id, recheck.due_at);
        if now > recheck.until {
            self.store.finish_recheck(id, claimed, None).await?;
            tracing::debug!(article = %id, "stopped re-reading an article's page: its schedule ran out");
            return Ok(VisitReport { article_id: id, outcome: Visit::Expired, next: None });
        }
        let validators =
            Validators { etag: recheck.etag.clone(), last_modified: recheck.last_modified.clone() };
        let read = match Url::parse(&recheck.url) {
            Ok(url) => self.full_text(&url, now, &validators).await,
            Err(_) => None,
        };
        let outcome = match read {
            None => Visit::Unreadable,
            Some(PageRead::NotModified) => Visit::Unchanged,
            Some(PageRead::Read { html, retrieval, validators }) => {
                recheck.etag = validators.etag;
                recheck.last_modified = validators.last_modified;
                let key = version_key("", &html);
                match recheck.page_key.as_deref() {
                    Some(before) if before == key => Visit::Unchanged,
                    Some(_) => {
                        let stored = self.store_edit(id, html, retrieval).await?;
                        // A version the store did not take yet (an earlier one coming back is
                        // taken when it holds) is offered again at the next visit.
                        if stored == Visit::Edited {
                            recheck.page_key = Some(key);
                        }
                        stored
                    }
                    None => {
                        recheck.page_key = Some(key);
                        Visit::Recorded
                    }
                }
            }
        };
        recheck.checks = recheck.checks.saturating_add(1);
        if outcome == Visit::Edited {
            recheck.changed_at = now;
            recheck.until = self.config.recheck.until(now).unwrap_or(now);
        }
        let next = self.config.recheck.next_visit(recheck.changed_at, now);
        match next {
            Some(due_at) => {
                recheck.due_at = due_at;
                self.store.finish_recheck(id, claimed, Some(recheck)).await?;
            }
            None => self.store.finish_recheck(id, claimed, None).await?,
        }
        tracing::debug!(article = %id, ?outcome, ?next, "re-read an article's page");
        Ok(VisitReport { article_id: id, outcome, next })
    }

    /// The page says something else now: store it as the article's new version (the store
    /// decides whether it is one, by the rules a feed's re-send goes through).
    async fn store_edit(
        &self,
        id: ArticleId,
        body_html: String,
        retrieval: freewire_core::model::NewRetrieval,
    ) -> Result<Visit, StoreError> {
        let Some(found) = self.store.article_by_id(id).await? else { return Ok(Visit::Unreadable) };
        let a = found.article;
        let edited = NewArticle {
            source_id: a.source_id,
            feed_id: a.feed_id,
            guid: a.guid,
            original_url: a.original_url,
            title: a.title,
            author: a.author,
            summary: a.summary,
            // The page's text, as a feed item's in `article_from`, loses what XML forbids.
            body_html: freewire_core::xml::strip_forbidden_chars(body_html).into_owned(),
            language: a.language,
            published_at: a.published_at,
            updated_at: Some(retrieval.retrieved_at),
            licence: a.licence,
            normalized_url: None,
            simhash: None,
            media: a.media,
            tags: a.tags,
        };
        let outcomes = self.store.insert_articles_with_retrieval(vec![(edited, retrieval)]).await?;
        crate::facts::record_or_warn(self.store.as_ref(), &outcomes).await;
        Ok(if matches!(outcomes.first(), Some(InsertOutcome::Revised(_))) {
            Visit::Edited
        } else {
            Visit::Unchanged
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_thin_out_as_the_last_change_recedes_and_stop_after_thirty_days() {
        let s = RecheckSchedule::default();
        let changed = Utc::now();
        let after = |h: i64| changed + chrono::Duration::hours(h);
        let gap = |h: i64| s.next_visit(changed, after(h)).map(|n| (n - after(h)).num_minutes());
        assert_eq!(gap(0), Some(15));
        assert_eq!(gap(2), Some(15));
        assert_eq!(gap(3), Some(60));
        assert_eq!(gap(23), Some(60));
        assert_eq!(gap(24), Some(180));
        assert_eq!(gap(24 * 7), Some(24 * 60));
        assert_eq!(gap(24 * 29), Some(24 * 60), "the last visit falls on the 30th day");
        assert_eq!(gap(24 * 29 + 12), None, "the next visit would fall after the 30 days");
        assert_eq!(gap(24 * 31), None);
        let off = RecheckSchedule { steps: Vec::new(), ..RecheckSchedule::default() };
        assert_eq!(off.next_visit(changed, after(0)), None, "no steps: pages are never re-read");
    }
}
