//! What search engines read: `robots.txt`, the sitemap (split into pages past
//! [`SITEMAP_URLS`] addresses, with a sitemap index), the news sitemap of the last two days,
//! and an article's JSON-LD `NewsArticle`.
//!
//! Sitemaps list only pages whose canonical address is ours: an article whose source's policy
//! points `rel=canonical` at the original, or keeps our copy out of search, is not ours to
//! offer. XML is written with quick-xml, which escapes text and attributes; every document
//! leaves through `Xml::finish`, which drops the characters XML 1.0 forbids.

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, TimeDelta, Utc};
use freewire_core::xml::strip_forbidden_chars;
use freewire_core::{ArticleFilter, ArticleStub, ArticleWithSource, PageRequest, source_slugs};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::Deserialize;

use crate::error::WebError;
use crate::state::AppState;

/// Addresses per sitemap file (the protocol allows 50,000; smaller files are kinder to
/// memory on both sides).
pub(crate) const SITEMAP_URLS: u64 = 10_000;
/// The news sitemap covers this much time and at most [`NEWS_URLS`] articles (the limits
/// news search engines read).
const NEWS_WINDOW: TimeDelta = TimeDelta::days(2);
const NEWS_URLS: u64 = 1000;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

type XmlResult = Result<(), quick_xml::Error>;

struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn new() -> Result<Self, quick_xml::Error> {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Xml(w))
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> XmlResult {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute((*k, *v));
        }
        self.0.write_event(Event::Start(start))?;
        Ok(())
    }

    fn close(&mut self, name: &str) -> XmlResult {
        self.0.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }

    fn leaf(&mut self, name: &str, text: &str) -> XmlResult {
        self.open(name, &[])?;
        self.0.write_event(Event::Text(BytesText::new(text)))?;
        self.close(name)
    }

    /// The document, without the characters XML 1.0 forbids (quick-xml escapes markup but
    /// writes those as they come, and a title may hold one).
    fn finish(self) -> String {
        let text = String::from_utf8_lossy(&self.0.into_inner()).into_owned();
        strip_forbidden_chars(text).into_owned()
    }
}

#[expect(clippy::needless_pass_by_value, reason = "the shape map_err asks for")]
fn xml_err(e: quick_xml::Error) -> WebError {
    WebError::Internal(format!("writing a sitemap: {e}"))
}

fn xml_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response()
}

fn sitemap_filter() -> ArticleFilter {
    ArticleFilter { canonical_here: true, ..ArticleFilter::default() }
}

/// `?page=N` of the sitemap.
#[derive(Debug, Deserialize)]
pub struct SitemapQuery {
    page: Option<u64>,
}

/// GET /sitemap.xml — the site's pages, or (past [`SITEMAP_URLS`] articles) an index of
/// sitemap pages at `/sitemap.xml?page=N`.
pub async fn sitemap(
    State(state): State<AppState>,
    Query(q): Query<SitemapQuery>,
) -> Result<Response, WebError> {
    let total = state.store().list_article_stubs(&sitemap_filter(), PageRequest::new(1, 1)).await?.total;
    let pages = total.div_ceil(SITEMAP_URLS).max(1);
    match q.page {
        None if pages > 1 => sitemap_index(&state, pages).map(xml_response),
        None => urlset(&state, 1).await.map(xml_response),
        Some(n) if (1..=pages).contains(&n) => urlset(&state, n).await.map(xml_response),
        Some(_) => Err(WebError::NotFound),
    }
}

fn sitemap_index(state: &AppState, pages: u64) -> Result<String, WebError> {
    let mut x = Xml::new().map_err(xml_err)?;
    let base = state.urls().absolute("/sitemap.xml");
    (|| {
        x.open("sitemapindex", &[("xmlns", SITEMAP_NS)])?;
        for n in 1..=pages {
            x.open("sitemap", &[])?;
            x.leaf("loc", &format!("{base}?page={n}"))?;
            x.close("sitemap")?;
        }
        x.close("sitemapindex")
    })()
    .map_err(xml_err)?;
    Ok(x.finish())
}

async fn urlset(state: &AppState, page: u64) -> Result<String, WebError> {
    let stubs =
        state.store().list_article_stubs(&sitemap_filter(), PageRequest::new(page, SITEMAP_URLS)).await?;
    // The site's own pages go on the first page.
    let mut fixed = Vec::new();
    if page == 1 {
        fixed.push(state.urls().absolute("/"));
        fixed.push(state.urls().absolute("/about"));
        for (_, slug) in source_slugs(&state.store().list_sources().await?) {
            fixed.push(state.urls().absolute(&format!("/source/{slug}/")));
        }
    }
    let mut x = Xml::new().map_err(xml_err)?;
    (|| {
        x.open("urlset", &[("xmlns", SITEMAP_NS)])?;
        for loc in &fixed {
            x.open("url", &[])?;
            x.leaf("loc", loc)?;
            x.close("url")?;
        }
        for s in &stubs.items {
            x.open("url", &[])?;
            x.leaf("loc", &state.urls().permalink(&s.permalink))?;
            let modified = s.updated_at.map_or(s.published_at, |u| u.max(s.published_at));
            x.leaf("lastmod", &modified.to_rfc3339_opts(SecondsFormat::Secs, true))?;
            x.close("url")?;
        }
        x.close("urlset")
    })()
    .map_err(xml_err)?;
    Ok(x.finish())
}

/// The language code news sitemaps want (ISO 639, lower case: `en`, `zh-cn`).
fn news_language(stub: &ArticleStub, site_language: &str) -> String {
    let lang = stub.language.as_deref().filter(|l| !l.trim().is_empty()).unwrap_or(site_language);
    let lang = lang.trim().to_ascii_lowercase().replace('_', "-");
    match lang.as_str() {
        "zh-cn" | "zh-tw" => lang,
        other => other.split('-').next().unwrap_or(other).to_owned(),
    }
}

/// GET /news-sitemap.xml — articles of the last two days, for news search.
pub async fn news_sitemap(State(state): State<AppState>) -> Result<Response, WebError> {
    let filter = ArticleFilter { from: Some(Utc::now() - NEWS_WINDOW), ..sitemap_filter() };
    let stubs = state.store().list_article_stubs(&filter, PageRequest::new(1, NEWS_URLS)).await?;
    let site = &state.config().site_name;
    let mut x = Xml::new().map_err(xml_err)?;
    (|| {
        x.open("urlset", &[("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)])?;
        for s in &stubs.items {
            x.open("url", &[])?;
            x.leaf("loc", &state.urls().permalink(&s.permalink))?;
            x.open("news:news", &[])?;
            x.open("news:publication", &[])?;
            x.leaf("news:name", site)?;
            x.leaf("news:language", &news_language(s, &state.config().language))?;
            x.close("news:publication")?;
            x.leaf("news:publication_date", &s.published_at.to_rfc3339_opts(SecondsFormat::Secs, true))?;
            x.leaf("news:title", &s.title)?;
            x.close("news:news")?;
            x.close("url")?;
        }
        x.close("urlset")
    })()
    .map_err(xml_err)?;
    Ok(xml_response(x.finish()))
}

/// GET /robots.txt — everything public may be crawled; accounts, administration and the
/// citation downloads (copies of the article page's citations) are left out; the sitemaps
/// are named.
pub async fn robots(State(state): State<AppState>) -> impl IntoResponse {
    let mut body = String::from("User-agent: *\n");
    for path in ["/admin/", "/account", "/login", "/register", "/cite/", "/thumbnails/", "/search", "/api/"] {
        let _ = writeln!(body, "Disallow: {}", state.link(path));
    }
    body.push('\n');
    for path in ["/sitemap.xml", "/news-sitemap.xml"] {
        let _ = writeln!(body, "Sitemap: {}", state.urls().absolute(path));
    }
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)
}

/// The JSON-LD `NewsArticle` for an article page: what it is, who wrote and first published
/// it (`isBasedOn` the original), who republishes it, and under which licence. `<` is written
/// as `\u003c` so the JSON can sit inside a `<script>` element whatever the title holds.
pub(crate) fn news_article_json_ld(
    state: &AppState,
    found: &ArticleWithSource,
    page_url: &str,
    canonical: &str,
    description: &str,
) -> String {
    use serde_json::{Value, json};
    let a = &found.article;
    let s = &found.source;
    let outlet = json!({
        "@type": "NewsMediaOrganization",
        "name": s.name,
        "url": s.homepage,
    });
    let author = match &a.author {
        Some(name) => json!({ "@type": "Person", "name": name }),
        None => outlet.clone(),
    };
    let original = json!({
        "@type": "NewsArticle",
        "headline": a.title,
        "url": a.original_url.as_deref().or(s.homepage.as_deref()),
        "publisher": outlet,
        "author": author,
    });
    let time = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "url": page_url,
        "mainEntityOfPage": canonical,
        "datePublished": time(a.published_at),
        "dateModified": time(a.modified_at()),
        "author": author,
        "publisher": {
            "@type": "Organization",
            "name": state.config().site_name,
            "url": state.urls().absolute("/"),
        },
        "sourceOrganization": outlet,
        "isBasedOn": original,
        "license": a.licence.url().map_or_else(|| Value::from(a.licence.title()), Value::from),
        "inLanguage": a.language.as_deref().unwrap_or(&state.config().language),
        "description": description,
        "isAccessibleForFree": true,
    });
    if !a.tags.is_empty()
        && let Some(map) = doc.as_object_mut()
    {
        map.insert("keywords".to_owned(), a.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>().into());
    }
    doc.to_string().replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;
    use freewire_core::{ArticleId, Permalink};

    fn stub(language: Option<&str>) -> ArticleStub {
        ArticleStub {
            id: ArticleId(1),
            permalink: Permalink::from_path("2021/03/08/a").unwrap(),
            title: "A".into(),
            language: language.map(str::to_owned),
            published_at: Utc::now(),
            updated_at: None,
        }
    }

    #[test]
    fn news_languages_are_iso_639_codes() {
        assert_eq!(news_language(&stub(Some("en-US")), "fr"), "en");
        assert_eq!(news_language(&stub(Some("zh_CN")), "fr"), "zh-cn");
        assert_eq!(news_language(&stub(None), "de"), "de");
    }
}
