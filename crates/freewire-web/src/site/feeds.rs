//! Outgoing feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1, for the whole site, per source and per
//! tag. Every item carries its credit (outlet, author, original link, the outlet's credit
//! line) and its licence, both as feed metadata readers understand (Atom `rights`,
//! `rel=license` and `source`; RSS `dc:creator`, `source`, `dc:rights` and
//! `creativeCommons:license`; a JSON Feed `_freewire` extension) and as a line of text under
//! the content, so a reader that ignores metadata still shows them. The text itself is the
//! same the page shows: full where the licence allows, an excerpt otherwise.
//!
//! Every feed names its WebSub hub (when the hub is on) and itself: Atom `<link rel="hub">`
//! and `rel="self"`, RSS `<atom:link>` of both, JSON Feed `hubs` and `feed_url`, and the HTTP
//! `Link` header, so subscribers find them whichever they read (WebSub §4).
//!
//! RSS and Atom are written with the `rss` and `atom_syndication` crates, and the finished
//! document is passed through [`strip_forbidden_chars`] (neither crate drops the characters XML
//! 1.0 forbids). JSON Feed is a small JSON document with no well-kept writer crate, so its
//! structs are ours (serde does the work; JSON escapes every control character).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use freewire_core::xml::strip_forbidden_chars;
use freewire_core::{ArticleFilter, ArticleWithSource, SourceId, StoryId};
use serde::Serialize;

use super::lists::{slug_of, slugs, source_by_slug};
use crate::conditional::last_modified;
use crate::error::WebError;
use crate::frame::{ATOM, FORMATS, Format, JSON, RSS};
use crate::state::AppState;
use crate::templates::escape_html;
use crate::views::{EXCERPT_WORDS, excerpt_of, public_body_html};

/// Items in a feed.
const FEED_ITEMS: u64 = 50;

/// The format a feed's file name asks for (`feed.atom`).
fn format_of(file: &str) -> Option<Format> {
    FORMATS.into_iter().find(|f| file.strip_prefix("feed.") == Some(f.extension))
}

/// What a feed is of.
struct FeedSpec {
    title: String,
    description: String,
    /// The page the feed follows (absolute).
    home: String,
    /// The feed's own address without extension (site-relative, as linked).
    base: String,
    filter: ArticleFilter,
}

/// One item's credit, worked out once for all three formats.
struct Credit {
    outlet: String,
    outlet_home: Option<String>,
    outlet_feed: Option<String>,
    author: Option<String>,
    /// The credit line the outlet asks for.
    asked_for: Option<String>,
    original: Option<String>,
    licence_id: &'static str,
    licence_title: &'static str,
    licence_url: Option<&'static str>,
}

impl Credit {
    fn new(a: &ArticleWithSource, feed_urls: &HashMap<SourceId, String>) -> Self {
        Credit {
            outlet: a.source.name.clone(),
            outlet_home: a.source.homepage.clone(),
            outlet_feed: feed_urls.get(&a.source.id).cloned(),
            author: a.article.author.clone(),
            asked_for: a.source.credit.clone(),
            original: a.article.original_url.clone(),
            licence_id: a.article.licence.id(),
            licence_title: a.article.licence.title(),
            licence_url: a.article.licence.url(),
        }
    }

    /// "Licence: CC BY 4.0 (https://…)" as plain text.
    fn rights(&self) -> String {
        match self.licence_url {
            Some(url) => format!("{} ({url})", self.licence_title),
            None => self.licence_title.to_owned(),
        }
    }

    /// The credit as a paragraph under the content.
    fn html(&self) -> String {
        let outlet = match &self.outlet_home {
            Some(home) => format!("<a href=\"{}\">{}</a>", escape_html(home), escape_html(&self.outlet)),
            None => escape_html(&self.outlet),
        };
        let mut html = format!("<p><em>Originally published by {outlet}");
        if let Some(author) = &self.author {
            {
                let _ = write!(html, ", written by {}", escape_html(author));
            };
        }
        html.push('.');
        if let Some(credit) = &self.asked_for {
            {
                let _ = write!(html, " {}.", escape_html(credit));
            };
        }
        if let Some(original) = &self.original {
            {
                let _ = write!(html, " <a href=\"{}\">Read the original</a>.", escape_html(original));
            };
        }
        match self.licence_url {
            Some(url) => {
                let _ = write!(
                    html,
                    " Licence: <a href=\"{url}\" rel=\"license\">{}</a>.",
                    escape_html(self.licence_title)
                );
            }
            None => {
                let _ = write!(html, " Licence: {}.", escape_html(self.licence_title));
            }
        }
        html.push_str("</em></p>");
        html
    }
}

/// An item as all three formats need it.
struct ItemData {
    url: String,
    title: String,
    content_html: String,
    summary: String,
    published: DateTime<Utc>,
    updated: DateTime<Utc>,
    tags: Vec<String>,
    credit: Credit,
    story: Option<JsonStory>,
}

/// The story an item belongs to, in JSON Feed's `_freewire.story`.
#[derive(Debug, Clone, Serialize)]
struct JsonStory {
    id: i64,
    url: String,
    title: String,
}

async fn items(state: &AppState, spec: &FeedSpec) -> Result<Vec<ItemData>, WebError> {
    // The newest items only: a feed shows no page count, and counting every article the filter
    // selects took seconds at a million (aggregators fetch `/feed.xml` all day).
    let items = state.store().list_articles_window(&spec.filter, FEED_ITEMS).await?;
    let mut feed_urls: HashMap<SourceId, String> = HashMap::new();
    for f in state.store().list_feeds().await? {
        feed_urls.entry(f.source_id).or_insert(f.url);
    }
    let mut ids: Vec<StoryId> = items.iter().filter_map(|a| a.article.story_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let stories: HashMap<StoryId, JsonStory> = state
        .store()
        .stories_by_ids(&ids)
        .await?
        .into_iter()
        .map(|(id, story)| {
            let url = state.urls().story(story.id, &story.slug);
            (id, JsonStory { id: story.id.0, url, title: story.title })
        })
        .collect();
    // Feeds are read away from the site: their images carry the site's absolute address.
    let images = crate::images::ImageLinks::for_site(state, true).await;
    Ok(items
        .iter()
        .map(|a| {
            let credit = Credit::new(a, &feed_urls);
            ItemData {
                url: state.urls().permalink(&a.article.permalink),
                title: a.article.title.clone(),
                content_html: format!("{}\n{}", public_body_html(&a.article, &images), credit.html()),
                summary: excerpt_of(&a.article, EXCERPT_WORDS),
                published: a.article.published_at,
                updated: a.article.modified_at(),
                tags: a.article.tags.iter().map(|t| t.name.clone()).collect(),
                credit,
                story: a.article.story_id.and_then(|id| stories.get(&id).cloned()),
            }
        })
        .collect())
}

fn rss_date(t: DateTime<Utc>) -> String {
    t.to_rfc2822()
}

fn rss(state: &AppState, spec: &FeedSpec, items: &[ItemData], self_url: &str, hub: Option<&str>) -> String {
    use rss::extension::atom::{AtomExtension, Link as AtomLink};
    use rss::extension::dublincore::DublinCoreExtension;
    use rss::extension::{Extension, ExtensionMap};
    let items = items
        .iter()
        .map(|i| {
            let mut extensions: ExtensionMap = BTreeMap::new();
            if let Some(url) = i.credit.licence_url {
                let licence = Extension {
                    name: "creativeCommons:license".to_owned(),
                    value: Some(url.to_owned()),
                    ..Extension::default()
                };
                extensions
                    .entry("creativeCommons".to_owned())
                    .or_default()
                    .insert("license".to_owned(), vec![licence]);
            }
            rss::Item {
                title: Some(i.title.clone()),
                link: Some(i.url.clone()),
                description: Some(i.content_html.clone()),
                categories: i.tags.iter().map(|t| rss::Category { name: t.clone(), domain: None }).collect(),
                guid: Some(rss::Guid { value: i.url.clone(), permalink: true }),
                pub_date: Some(rss_date(i.published)),
                source: Some(rss::Source {
                    url: i
                        .credit
                        .outlet_feed
                        .clone()
                        .or_else(|| i.credit.outlet_home.clone())
                        .unwrap_or_else(|| i.url.clone()),
                    title: Some(i.credit.outlet.clone()),
                }),
                dublin_core_ext: Some(DublinCoreExtension {
                    creators: vec![i.credit.author.clone().unwrap_or_else(|| i.credit.outlet.clone())],
                    publishers: vec![i.credit.outlet.clone()],
                    rights: vec![i.credit.rights()],
                    sources: i.credit.original.iter().cloned().collect(),
                    ..DublinCoreExtension::default()
                }),
                extensions,
                ..rss::Item::default()
            }
        })
        .collect();
    let namespaces = BTreeMap::from([
        ("atom".to_owned(), "http://www.w3.org/2005/Atom".to_owned()),
        ("dc".to_owned(), "http://purl.org/dc/elements/1.1/".to_owned()),
        ("creativeCommons".to_owned(), "http://backend.userland.com/creativeCommonsRssModule".to_owned()),
    ]);
    let channel = rss::Channel {
        title: spec.title.clone(),
        link: spec.home.clone(),
        description: spec.description.clone(),
        language: Some(state.config().language.clone()),
        generator: Some(format!("freewire {}", env!("CARGO_PKG_VERSION"))),
        last_build_date: Some(rss_date(Utc::now())),
        atom_ext: Some(AtomExtension {
            links: std::iter::once(AtomLink {
                href: self_url.to_owned(),
                rel: "self".to_owned(),
                mime_type: Some(RSS.media_type.to_owned()),
                ..AtomLink::default()
            })
            .chain(hub.map(|h| AtomLink { href: h.to_owned(), rel: "hub".to_owned(), ..AtomLink::default() }))
            .collect(),
        }),
        namespaces,
        items,
        ..rss::Channel::default()
    };
    channel.to_string()
}

fn atom(spec: &FeedSpec, items: &[ItemData], self_url: &str, hub: Option<&str>) -> String {
    use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Source, Text};
    let link = |href: &str, rel: &str| Link { href: href.to_owned(), rel: rel.to_owned(), ..Link::default() };
    let entries: Vec<Entry> = items
        .iter()
        .map(|i| {
            let mut links = vec![link(&i.url, "alternate")];
            if let Some(original) = &i.credit.original {
                links.push(link(original, "via"));
            }
            if let Some(url) = i.credit.licence_url {
                links.push(link(url, "license"));
            }
            let author = i.credit.author.clone().unwrap_or_else(|| i.credit.outlet.clone());
            Entry {
                id: i.url.clone(),
                title: Text::plain(i.title.clone()),
                updated: i.updated.fixed_offset(),
                published: Some(i.published.fixed_offset()),
                authors: vec![Person {
                    name: author,
                    uri: i.credit.outlet_home.clone(),
                    ..Person::default()
                }],
                links,
                rights: Some(Text::plain(i.credit.rights())),
                categories: i
                    .tags
                    .iter()
                    .map(|t| Category { term: t.clone(), ..Category::default() })
                    .collect(),
                summary: Some(Text::plain(i.summary.clone())),
                source: Some(Source {
                    title: Text::plain(i.credit.outlet.clone()),
                    id: i
                        .credit
                        .outlet_feed
                        .clone()
                        .or_else(|| i.credit.outlet_home.clone())
                        .unwrap_or_else(|| i.url.clone()),
                    updated: i.updated.fixed_offset(),
                    links: i.credit.outlet_home.iter().map(|h| link(h, "alternate")).collect(),
                    ..Source::default()
                }),
                content: Some(Content {
                    value: Some(i.content_html.clone()),
                    content_type: Some("html".to_owned()),
                    ..Content::default()
                }),
                ..Entry::default()
            }
        })
        .collect();
    let updated = items.iter().map(|i| i.updated).max().unwrap_or_else(Utc::now);
    Feed {
        id: self_url.to_owned(),
        title: Text::plain(spec.title.clone()),
        subtitle: Some(Text::plain(spec.description.clone())),
        updated: updated.fixed_offset(),
        links: [
            link(&spec.home, "alternate"),
            Link {
                href: self_url.to_owned(),
                rel: "self".to_owned(),
                mime_type: Some(ATOM.media_type.to_owned()),
                ..Link::default()
            },
        ]
        .into_iter()
        .chain(hub.map(|h| link(h, "hub")))
        .collect(),
        generator: Some(Generator {
            value: "freewire".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            ..Generator::default()
        }),
        entries,
        ..Feed::default()
    }
    .to_string()
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    description: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    language: &'a str,
    /// JSON Feed 1.1 `hubs`: our WebSub hub.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    hubs: Vec<JsonHub<'a>>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonHub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_url: Option<&'a str>,
    title: &'a str,
    content_html: &'a str,
    summary: &'a str,
    date_published: String,
    date_modified: String,
    authors: Vec<JsonAuthor<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    /// Our extension (JSON Feed 1.1 §"Extensions": keys starting with `_`).
    _freewire: JsonCredit<'a>,
}

#[derive(Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonCredit<'a> {
    about: &'static str,
    source: JsonSource<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credit: Option<&'a str>,
    licence: JsonLicence<'a>,
    /// The story the article reports, with every outlet's report on its page.
    #[serde(skip_serializing_if = "Option::is_none")]
    story: Option<&'a JsonStory>,
}

#[derive(Serialize)]
struct JsonSource<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    home_page_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    feed_url: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLicence<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

fn json(
    state: &AppState,
    spec: &FeedSpec,
    items: &[ItemData],
    self_url: &str,
    hub: Option<&str>,
) -> Result<String, WebError> {
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &spec.title,
        description: &spec.description,
        home_page_url: &spec.home,
        feed_url: self_url,
        language: &state.config().language,
        hubs: hub.map(|url| JsonHub { kind: "WebSub", url }).into_iter().collect(),
        items: items
            .iter()
            .map(|i| JsonItem {
                id: &i.url,
                url: &i.url,
                external_url: i.credit.original.as_deref(),
                title: &i.title,
                content_html: &i.content_html,
                summary: &i.summary,
                date_published: time(i.published),
                date_modified: time(i.updated),
                authors: vec![JsonAuthor {
                    name: i.credit.author.as_deref().unwrap_or(&i.credit.outlet),
                    url: if i.credit.author.is_some() { None } else { i.credit.outlet_home.as_deref() },
                }],
                tags: &i.tags,
                _freewire: JsonCredit {
                    about: "the article's original source and the terms it is republished under",
                    source: JsonSource {
                        name: &i.credit.outlet,
                        home_page_url: i.credit.outlet_home.as_deref(),
                        feed_url: i.credit.outlet_feed.as_deref(),
                    },
                    credit: i.credit.asked_for.as_deref(),
                    licence: JsonLicence {
                        id: i.credit.licence_id,
                        title: i.credit.licence_title,
                        url: i.credit.licence_url,
                    },
                    story: i.story.as_ref(),
                },
            })
            .collect(),
    };
    serde_json::to_string_pretty(&feed).map_err(|e| WebError::Internal(format!("writing a JSON feed: {e}")))
}

/// Our WebSub hub's address, when the hub is on.
pub(crate) fn hub_url(state: &AppState) -> Option<String> {
    state.config().websub.enabled.then(|| state.urls().absolute("/websub"))
}

/// A feed document, rendered.
pub(crate) struct RenderedFeed {
    /// Its `Content-Type`.
    pub content_type: String,
    /// The document.
    pub body: String,
    /// Its own address (the WebSub topic).
    pub self_url: String,
    /// Its newest item's time.
    pub modified: Option<DateTime<Utc>>,
}

async fn render_feed(state: &AppState, spec: &FeedSpec, format: Format) -> Result<RenderedFeed, WebError> {
    let items = items(state, spec).await?;
    let self_url = state.urls().absolute(&format!("{}.{}", spec.base, format.extension));
    let hub = hub_url(state);
    let hub = hub.as_deref();
    let body = match format.extension {
        // Stored text is cleaned as it arrives, but rows from before that, and any field a
        // writer adds later, must not make the document unreadable: the whole of it is cleaned.
        "xml" => strip_forbidden_chars(rss(state, spec, &items, &self_url, hub)).into_owned(),
        "atom" => strip_forbidden_chars(atom(spec, &items, &self_url, hub)).into_owned(),
        _ => json(state, spec, &items, &self_url, hub)?,
    };
    Ok(RenderedFeed {
        content_type: format!("{}; charset=utf-8", format.media_type),
        body,
        self_url,
        modified: items.iter().map(|i| i.updated).max(),
    })
}

async fn render(state: &AppState, spec: FeedSpec, format: Format) -> Result<Response, WebError> {
    let RenderedFeed { content_type, body, self_url, modified } = render_feed(state, &spec, format).await?;
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    let mut links = format!("<{self_url}>; rel=\"self\"");
    if let Some(hub) = hub_url(state) {
        links = format!("<{hub}>; rel=\"hub\", {links}");
    }
    if let Ok(value) = links.parse() {
        response.headers_mut().insert(header::LINK, value);
    }
    if let Some(t) = modified {
        let (name, value) = last_modified(t);
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

fn site_spec(state: &AppState) -> FeedSpec {
    let name = &state.config().site_name;
    FeedSpec {
        title: name.clone(),
        description: format!("The latest articles republished by {name}, with credit to each source."),
        home: state.urls().absolute("/"),
        base: "/feed".to_owned(),
        filter: ArticleFilter::default(),
    }
}

/// GET /feed.xml — the whole site as RSS.
pub async fn site_rss(State(state): State<AppState>) -> Result<Response, WebError> {
    render(&state, site_spec(&state), RSS).await
}

/// GET /feed.atom — the whole site as Atom.
pub async fn site_atom(State(state): State<AppState>) -> Result<Response, WebError> {
    render(&state, site_spec(&state), ATOM).await
}

/// GET /feed.json — the whole site as JSON Feed.
pub async fn site_json(State(state): State<AppState>) -> Result<Response, WebError> {
    render(&state, site_spec(&state), JSON).await
}

/// GET /source/{slug}/feed.xml (or .atom, .json) — one outlet.
pub async fn source_feed(
    State(state): State<AppState>,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let format = format_of(&file).ok_or(WebError::NotFound)?;
    let source = source_by_slug(&state, &slug, &file).await?;
    render(&state, source_spec(&state, &source).await?, format).await
}

async fn source_spec(state: &AppState, source: &freewire_core::Source) -> Result<FeedSpec, WebError> {
    let slugs = slugs(state).await?;
    let slug = slug_of(&slugs, source.id).to_owned();
    Ok(FeedSpec {
        title: format!("{} | {}", source.name, state.config().site_name),
        description: format!(
            "Articles from {} republished by {} ({}).",
            source.name,
            state.config().site_name,
            source.licence.title()
        ),
        home: state.urls().absolute(&format!("/source/{slug}/")),
        base: format!("/source/{slug}/feed"),
        filter: ArticleFilter { source: Some(source.id), ..ArticleFilter::default() },
    })
}

/// GET /tag/{slug}/feed.xml (or .atom, .json) — one tag.
pub async fn tag_feed(
    State(state): State<AppState>,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let format = format_of(&file).ok_or(WebError::NotFound)?;
    let tag = state.store().tag_by_slug(&slug).await?.ok_or(WebError::NotFound)?;
    render(&state, tag_spec(&state, tag), format).await
}

fn tag_spec(state: &AppState, tag: freewire_core::Tag) -> FeedSpec {
    FeedSpec {
        title: format!("{} | {}", tag.name, state.config().site_name),
        description: format!("Articles tagged {} on {}.", tag.name, state.config().site_name),
        home: state.urls().absolute(&format!("/tag/{}/", tag.slug)),
        base: format!("/tag/{}/feed", tag.slug),
        filter: ArticleFilter { tag: Some(tag.slug), ..ArticleFilter::default() },
    }
}

/// GET /story/{id}-{slug}/feed.xml (or .atom, .json) — one story: every outlet's report as
/// it arrives.
pub async fn story_feed(
    State(state): State<AppState>,
    Path((segment, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let format = format_of(&file).ok_or(WebError::NotFound)?;
    let story = match super::story::story_by_segment(&state, &segment).await? {
        Ok(story) => story,
        Err(to) => return Ok(axum::response::Redirect::permanent(&format!("{to}{file}")).into_response()),
    };
    render(&state, story_spec(&state, &story), format).await
}

fn story_spec(state: &AppState, story: &freewire_core::Story) -> FeedSpec {
    let path = freewire_core::SiteUrl::story_path(story.id, &story.slug);
    FeedSpec {
        title: format!("{} | {}", story.title, state.config().site_name),
        description: format!(
            "Every outlet's report of “{}”, republished by {} with credit to each.",
            story.title,
            state.config().site_name
        ),
        home: state.urls().absolute(&path),
        base: format!("{path}feed"),
        filter: ArticleFilter { story: Some(story.id), ..ArticleFilter::default() },
    }
}

/// The feed a WebSub topic names, rendered now; `None` when the address is not one of our
/// feeds (site, source, tag or story, in any of the three formats, at its current address).
pub(crate) async fn render_topic(state: &AppState, topic: &str) -> Result<Option<RenderedFeed>, WebError> {
    let root = state.urls().absolute("/");
    let Some(rest) = topic.strip_prefix(&root) else { return Ok(None) };
    let parts: Vec<&str> = rest.split('/').collect();
    let Some(format) = parts.last().and_then(|file| format_of(file)) else { return Ok(None) };
    let spec = match parts.as_slice() {
        [_] => Ok(site_spec(state)),
        ["source", slug, file] => match source_by_slug(state, slug, file).await {
            Ok(source) => source_spec(state, &source).await,
            Err(e) => Err(e),
        },
        ["tag", slug, _] => match state.store().tag_by_slug(slug).await? {
            Some(tag) if tag.slug == *slug => Ok(tag_spec(state, tag)),
            _ => Err(WebError::NotFound),
        },
        ["story", segment, _] => match super::story::story_by_segment(state, segment).await {
            Ok(Ok(story)) => Ok(story_spec(state, &story)),
            Ok(Err(_)) => Err(WebError::NotFound),
            Err(e) => Err(e),
        },
        _ => Err(WebError::NotFound),
    };
    let spec = match spec {
        Ok(spec) => spec,
        Err(WebError::NotFound | WebError::Moved(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let rendered = render_feed(state, &spec, format).await?;
    // Only the address the feed gives itself is a topic (no query, no other spelling).
    Ok((rendered.self_url == topic).then_some(rendered))
}

/// The topics an article's change touches: the site's feeds, its source's, its tags' and its
/// story's, in every format.
pub(crate) async fn topics_of(
    state: &AppState,
    article: &ArticleWithSource,
    slugs: &[(SourceId, String)],
) -> Result<Vec<String>, WebError> {
    let mut bases = vec!["/feed".to_owned(), format!("/source/{}/feed", slug_of(slugs, article.source.id))];
    bases.extend(article.article.tags.iter().map(|t| format!("/tag/{}/feed", t.slug)));
    if let Some(id) = article.article.story_id
        && let Some((_, story)) = state.store().stories_by_ids(&[id]).await?.into_iter().next()
    {
        bases.push(format!("{}feed", freewire_core::SiteUrl::story_path(story.id, &story.slug)));
    }
    Ok(bases
        .iter()
        .flat_map(|base| FORMATS.into_iter().map(move |f| format!("{base}.{}", f.extension)))
        .map(|path| state.urls().absolute(&path))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_files_name_their_format() {
        assert_eq!(format_of("feed.xml"), Some(RSS));
        assert_eq!(format_of("feed.atom"), Some(ATOM));
        assert_eq!(format_of("feed.json"), Some(JSON));
        assert_eq!(format_of("feed.rss"), None);
        assert_eq!(format_of("xml"), None);
    }
}
