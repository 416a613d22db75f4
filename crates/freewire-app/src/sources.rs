//! Outlets and their feeds: adding a source, following a feed, switching a feed off and on,
//! changing a source's name and terms. The web's `/admin/feeds` and `/admin/sources` and the command
//! line's `source` and `feed` commands all come here.

use freewire_core::xml::strip_forbidden_chars;
use freewire_core::{
    Feed, FeedId, IndexPolicy, Licence, NewFeed, NewSource, Role, Source, SourceId, SourceTerms, Store,
    StoreError,
};
use url::Url;

use crate::{Actor, AppError};

/// The longest credit line kept.
const MAX_CREDIT_CHARS: usize = 300;

/// An outlet to add.
#[derive(Debug, Clone)]
pub struct SourceInput {
    /// Its name, unique on the site.
    pub name: String,
    /// Its homepage (`http`/`https`), if known.
    pub homepage: Option<String>,
    /// The licence its articles are published under.
    pub licence: Licence,
    /// Its own credit line ("With reporting by …").
    pub credit: Option<String>,
}

/// A homepage as given: blank is none; anything else must be an `http(s)` address.
fn homepage(raw: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(given) = raw.map(str::trim).filter(|h| !h.is_empty()) else { return Ok(None) };
    if Url::parse(given).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        Ok(Some(given.to_owned()))
    } else {
        Err(AppError::Invalid(format!(
            "“{given}” is not a homepage address such as https://outlet.example/."
        )))
    }
}

/// A credit line as given: without the characters XML forbids (it goes into every feed),
/// blank is none.
fn credit(raw: Option<&str>) -> Option<String> {
    let cleaned = strip_forbidden_chars(raw?);
    let credit = cleaned.trim();
    (!credit.is_empty()).then(|| credit.chars().take(MAX_CREDIT_CHARS).collect())
}

/// A source's name as stored: it titles feeds and OPML outlines, so without the characters
/// XML forbids.
fn source_name(raw: &str) -> String {
    strip_forbidden_chars(raw).trim().to_owned()
}

/// Adds an outlet. Editors and the operator.
pub async fn add_source(store: &dyn Store, actor: Actor<'_>, input: SourceInput) -> Result<Source, AppError> {
    actor.require(Role::Editor, "Only editors can add sources.")?;
    let name = source_name(&input.name);
    if name.is_empty() {
        return Err(AppError::Invalid("A source needs a name.".into()));
    }
    let new = NewSource {
        name: name.clone(),
        homepage: homepage(input.homepage.as_deref())?,
        licence: input.licence,
        credit: credit(input.credit.as_deref()),
    };
    let source = match store.insert_source(new).await {
        Ok(s) => s,
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict(format!("A source named “{name}” exists already.")));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(audit) = actor.audit(
        "source.add",
        format!("source {} ({})", source.id, source.name),
        source.licence.id().to_owned(),
    ) {
        store.insert_audit(audit).await?;
    }
    tracing::info!(actor = actor.name(), source = %source.name, "source added");
    Ok(source)
}

/// A feed to follow, for an existing source or a new one.
#[derive(Debug, Clone)]
pub struct FollowFeed {
    /// The feed's address.
    pub url: String,
    /// The source's name: an existing one, or a new one when `licence` is given.
    pub source: String,
    /// A new source's homepage.
    pub homepage: Option<String>,
    /// A new source's licence; an existing source keeps its own. Without it, a source that
    /// does not exist yet is [`AppError::NotFound`].
    pub licence: Option<Licence>,
    /// The feed's title, when known (an OPML outline's).
    pub title: Option<String>,
}

/// The address of a feed as it is stored: an absolute `http(s)` URL.
pub fn feed_url(raw: &str) -> Result<Url, AppError> {
    let url = Url::parse(raw.trim()).map_err(|_| {
        AppError::Invalid(format!(
            "“{}” is not a feed address such as https://outlet.example/feed.xml.",
            raw.trim()
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AppError::Invalid(format!(
            "“{raw}”: only http and https feeds can be followed; a file is imported instead."
        )));
    }
    Ok(url)
}

/// Starts following a feed, creating its source when it is new. Editors and the operator.
/// Polled at the next round.
pub async fn follow_feed(
    store: &dyn Store,
    actor: Actor<'_>,
    input: FollowFeed,
) -> Result<(Feed, Source), AppError> {
    actor.require(Role::Editor, "Only editors can follow feeds.")?;
    let url = feed_url(&input.url)?;
    let name = source_name(&input.source);
    if name.is_empty() {
        return Err(AppError::Invalid("Name the source (the outlet) the feed belongs to.".into()));
    }
    let source = if let Some(existing) = store.source_by_name(&name).await? {
        existing
    } else {
        // Missing, not malformed: the caller says how to add it.
        let Some(licence) = input.licence else {
            return Err(AppError::NotFound(format!(
                "“{name}” is a new source: choose the licence its articles are published under."
            )));
        };
        let new = SourceInput { name: name.clone(), homepage: input.homepage.clone(), licence, credit: None };
        add_source(store, actor, new).await?
    };
    let feed = match store
        .insert_feed(NewFeed {
            source_id: source.id,
            url: url.to_string(),
            title: input.title.map(|t| strip_forbidden_chars(t).into_owned()),
        })
        .await
    {
        Ok(f) => f,
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict(format!("{url} is followed already.")));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(audit) = actor.audit("feed.add", feed.url.clone(), source.name.clone()) {
        store.insert_audit(audit).await?;
    }
    tracing::info!(actor = actor.name(), url = %feed.url, "feed added");
    Ok((feed, source))
}

/// Switches a feed on (polled at the next round) or off. Editors and the operator.
pub async fn set_feed_enabled(
    store: &dyn Store,
    actor: Actor<'_>,
    id: FeedId,
    enabled: bool,
) -> Result<(), AppError> {
    actor.require(Role::Editor, "Only editors can manage feeds.")?;
    if !store.set_feed_enabled(id, enabled).await? {
        return Err(AppError::NotFound(format!("There is no feed {id}.")));
    }
    let action = if enabled { "feed.enable" } else { "feed.disable" };
    if let Some(audit) = actor.audit(action, format!("feed {id}"), String::new()) {
        store.insert_audit(audit).await?;
    }
    tracing::info!(actor = actor.name(), feed = id.0, enabled, "feed switched");
    Ok(())
}

/// The least time between a feed's last poll and one asked for now.
const POLL_NOW_GAP: chrono::Duration = chrono::Duration::minutes(1);

/// Asks for a feed to be polled at the next round rather than when it is due: not while a
/// poller holds it, nor within a minute of its last poll. Editors and the operator.
pub async fn poll_feed_now(store: &dyn Store, actor: Actor<'_>, id: FeedId) -> Result<Feed, AppError> {
    actor.require(Role::Editor, "Only editors can manage feeds.")?;
    let feed =
        store.feed_by_id(id).await?.ok_or_else(|| AppError::NotFound(format!("There is no feed {id}.")))?;
    if !feed.enabled {
        return Err(AppError::Conflict(format!("Feed {id} is switched off; switch it on to poll it.")));
    }
    let now = chrono::Utc::now();
    if let Some(at) = feed.last_polled_at
        && now - at < POLL_NOW_GAP
    {
        // Asking again and again must not make us hammer the outlet.
        let wait = (POLL_NOW_GAP - (now - at)).num_seconds().max(1);
        return Err(AppError::Conflict(format!("Feed {id} was polled moments ago; ask again in {wait} s.")));
    }
    if !store.set_feed_due(id, now).await? {
        return Err(AppError::Conflict(format!("Feed {id} is being polled right now.")));
    }
    tracing::info!(actor = actor.name(), feed = id.0, "poll asked for");
    store.feed_by_id(id).await?.ok_or_else(|| AppError::NotFound(format!("There is no feed {id}.")))
}

/// What to change on a source; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SourceEdit {
    /// A new name, unique on the site. Its page moves to the new name's address; the old
    /// address sends visitors on.
    pub name: Option<String>,
    /// A new homepage; blank removes it.
    pub homepage: Option<String>,
    /// A new credit line; blank removes it.
    pub credit: Option<String>,
    /// A new licence, which applies to its articles already published too.
    pub licence: Option<Licence>,
    /// How search engines are to treat our copies.
    pub index_policy: Option<IndexPolicy>,
}

/// Changes a source's name and terms; its licence applies to the articles already stored.
/// Editors and the operator; audited (the operator's acts as the operator's).
pub async fn edit_source(
    store: &dyn Store,
    actor: Actor<'_>,
    id: SourceId,
    edit: SourceEdit,
) -> Result<Source, AppError> {
    actor.require(Role::Editor, "Only editors can manage sources.")?;
    let missing = || AppError::NotFound(format!("There is no source {id}."));
    let source = store.source_by_id(id).await?.ok_or_else(missing)?;
    let name = match edit.name.as_deref().map(source_name) {
        Some(name) if name.is_empty() => return Err(AppError::Invalid("A source needs a name.".into())),
        Some(name) => name,
        None => source.name.clone(),
    };
    let homepage = match edit.homepage.as_deref() {
        Some(given) => homepage(Some(given))?,
        None => source.homepage.clone(),
    };
    let credit = match edit.credit.as_deref() {
        Some(given) => credit(Some(given)),
        None => source.credit.clone(),
    };
    let licence = edit.licence.unwrap_or(source.licence);
    let index_policy = edit.index_policy.unwrap_or(source.index_policy);
    let moved_slugs =
        if name == source.name { Vec::new() } else { moved_slugs(store, &source, &name).await? };
    let mut changes = Vec::new();
    if name != source.name {
        changes.push(format!("name “{}” → “{name}”", source.name));
    }
    if homepage != source.homepage {
        changes.push(format!(
            "homepage {} → {}",
            or_none(source.homepage.as_deref()),
            or_none(homepage.as_deref())
        ));
    }
    if credit != source.credit {
        changes.push("credit line".to_owned());
    }
    if licence != source.licence {
        changes.push(format!("licence {} → {}", source.licence.id(), licence.id()));
    }
    if index_policy != source.index_policy {
        changes.push(format!("search {} → {}", source.index_policy.id(), index_policy.id()));
    }
    if changes.is_empty() {
        return Ok(source);
    }
    let terms = SourceTerms { name: name.clone(), moved_slugs, homepage, licence, credit, index_policy };
    let audit =
        actor.audit_entry("source.edit", format!("source {id} ({})", source.name), changes.join("; "));
    match store.update_source_terms(id, terms, audit).await {
        Ok(true) => {}
        Ok(false) => return Err(missing()),
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict(format!("A source named “{name}” exists already.")));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(actor = actor.name(), source = id.0, "source edited");
    store.source_by_id(id).await?.ok_or_else(missing)
}

fn or_none(value: Option<&str>) -> &str {
    value.unwrap_or("(none)")
}

/// The addresses renaming `source` to `name` moves, each with the source whose page it was:
/// its own, and any other source's whose slug changes with it.
async fn moved_slugs(
    store: &dyn Store,
    source: &Source,
    name: &str,
) -> Result<Vec<(String, SourceId)>, AppError> {
    let mut sources = store.list_sources().await?;
    let before = freewire_core::source_slugs(&sources);
    if let Some(s) = sources.iter_mut().find(|s| s.id == source.id) {
        name.clone_into(&mut s.name);
    }
    let after = freewire_core::source_slugs(&sources);
    Ok(before
        .into_iter()
        .filter(|(id, slug)| after.iter().any(|(other, now)| other == id && now != slug))
        .map(|(id, slug)| (slug, id))
        .collect())
}
