//! Citations of one article in the formats readers ask for: APA 7, MLA 9 and Chicago
//! notes-and-bibliography, formatted by hayagriva from the official CSL styles it bundles;
//! BibLaTeX, written by the biblatex crate; RIS and CSL-JSON.
//!
//! Every format is built from one [`CitationRecord`], mapped once into each library's model.
//! The article is cited as the copy we publish: a news article (CSL `article-newspaper`)
//! whose container is our site, dated by its publication day, at our permalink. The
//! original outlet and URL travel in the machine-readable formats' note fields.

use std::fmt;

use biblatex::{Chunk, Spanned};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hayagriva::archive::{ArchivedStyle, locales};
use hayagriva::citationberg::taxonomy::Kind;
use hayagriva::citationberg::{
    FontStyle, IndependentStyle, LayoutRenderingElement, Locale, LocaleCode, Style,
};
use hayagriva::types::{Date, EntryType, FormatString, Person, Publisher, QualifiedUrl};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, BufWriteFormat, CitationItem, CitationRequest, ElemChild,
    ElemChildren, Entry, Formatting, Rendered,
};

/// What a citation says about one article.
#[derive(Debug, Clone, Copy)]
pub struct CitationRecord<'a> {
    /// The article's title, as published.
    pub title: &'a str,
    /// The byline as the feed gives it (`"Ada Park"`); `None` when the feed names nobody.
    pub author: Option<&'a str>,
    /// Our site's name: the container and publisher of the copy being cited.
    pub site_name: &'a str,
    /// The outlet that first published the article.
    pub outlet: &'a str,
    /// When the article was published; citations give its UTC day.
    pub published: DateTime<Utc>,
    /// Our permalink.
    pub url: &'a str,
    /// Where the outlet published it, when known.
    pub original_url: Option<&'a str>,
    /// The day the article was retrieved, for the formats that record it.
    pub accessed: NaiveDate,
    /// The citation key, e.g. `freewire-123`.
    pub id: &'a str,
    /// The article's language as a BCP 47 tag (`en`, `fr-CA`), when known.
    pub language: Option<&'a str>,
}

/// One article's citations in every supported format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citations {
    /// APA 7 reference-list entry, plain text.
    pub apa: String,
    /// MLA 9 works-cited entry, plain text.
    pub mla: String,
    /// Chicago (notes and bibliography) full note, plain text.
    pub chicago_note: String,
    /// Chicago (notes and bibliography) bibliography entry, plain text.
    pub chicago_bibliography: String,
    /// The same four as HTML fragments, for pages.
    pub html: CitationsHtml,
    /// A BibLaTeX `@online` entry.
    pub bibtex: String,
    /// A RIS record (`TY  - NEWS` … `ER  - `) with CRLF line ends, as the format asks.
    pub ris: String,
    /// A CSL-JSON array holding one item.
    pub csl_json: String,
}

/// The formatted styles as HTML fragments: text escaped, italics as `<i>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitationsHtml {
    /// APA 7 reference-list entry.
    pub apa: String,
    /// MLA 9 works-cited entry.
    pub mla: String,
    /// Chicago full note.
    pub chicago_note: String,
    /// Chicago bibliography entry.
    pub chicago_bibliography: String,
}

/// Why a record could not be cited.
#[derive(Debug, thiserror::Error)]
pub enum CiteError {
    /// The permalink is not an absolute URL.
    #[error("cite: the permalink {url:?} is not an absolute URL")]
    InvalidUrl {
        /// The permalink as given.
        url: String,
        /// The parser's complaint.
        #[source]
        source: url::ParseError,
    },
    /// A bundled CSL style or locale is missing or unusable.
    #[error("cite: the bundled {0} is unusable")]
    Bundled(&'static str),
    /// A style rendered nothing for the record.
    #[error("cite: the {0} style rendered nothing")]
    Empty(&'static str),
    /// Writing a formatted citation failed.
    #[error("cite: formatting a citation failed")]
    Format(#[from] fmt::Error),
    /// The CSL-JSON item could not be serialised.
    #[error("cite: writing the CSL-JSON item failed")]
    Json(#[from] serde_json::Error),
}

/// Cites one article in every supported format.
///
/// This reads the bundled styles and locale on every call; to cite many articles, build a
/// [`Citer`] once and use [`Citer::cite`].
pub fn cite(record: &CitationRecord) -> Result<Citations, CiteError> {
    Citer::new()?.cite(record)
}

/// The parsed CSL styles and locale, ready to cite any number of articles.
///
/// Reading them costs a few milliseconds in release builds (a quarter of a second in debug
/// builds), so a server builds one at start-up and shares it.
#[derive(Debug, Clone)]
pub struct Citer {
    apa: IndependentStyle,
    mla: IndependentStyle,
    chicago: IndependentStyle,
    locales: Vec<Locale>,
}

impl Citer {
    /// Reads the bundled styles and the US English locale they are written for.
    pub fn new() -> Result<Self, CiteError> {
        let locales: Vec<Locale> =
            locales().into_iter().filter(|l| l.lang.as_ref() == Some(&LocaleCode::en_us())).collect();
        if locales.is_empty() {
            return Err(CiteError::Bundled("en-US locale"));
        }
        let mut chicago = independent(ArchivedStyle::ChicagoNotes)?;
        quote_untitled_container_articles(&mut chicago);
        Ok(Self {
            apa: independent(ArchivedStyle::AmericanPsychologicalAssociation)?,
            mla: independent(ArchivedStyle::ModernLanguageAssociation)?,
            chicago,
            locales,
        })
    }

    /// Cites one article in every supported format.
    pub fn cite(&self, record: &CitationRecord) -> Result<Citations, CiteError> {
        let author = record.author.and_then(Author::parse);
        let entry = hayagriva_entry(record, record.title, author.as_ref())?;
        // MLA and Chicago always quote an article's title; APA never does.
        let quoted = hayagriva_entry(record, &single_inner_quotes(record.title), author.as_ref())?;
        let apa = take(bibliography_entry(&mut self.render(&entry, &self.apa)), &entry, "APA")?;
        let mla = take(bibliography_entry(&mut self.render(&quoted, &self.mla)), &quoted, "MLA")?;
        // One run of the style gives both its note and its bibliography entry: the styles are
        // most of an article page's first rendering, and Chicago is the longest of the three.
        let mut chicago = self.render(&quoted, &self.chicago);
        let chicago_note = take(first_note(&mut chicago), &quoted, "Chicago")?;
        let chicago_bibliography = take(bibliography_entry(&mut chicago), &quoted, "Chicago")?;
        Ok(Citations {
            apa: apa.text,
            mla: mla.text,
            chicago_note: chicago_note.text,
            chicago_bibliography: chicago_bibliography.text,
            html: CitationsHtml {
                apa: apa.html,
                mla: mla.html,
                chicago_note: chicago_note.html,
                chicago_bibliography: chicago_bibliography.html,
            },
            bibtex: biblatex_entry(record, author.as_ref()),
            ris: ris_record(record, author.as_ref()),
            csl_json: csl_json(record, author.as_ref())?,
        })
    }

    /// Formats the entry with one style, as its first note and as its bibliography entry.
    fn render(&self, entry: &Entry, style: &IndependentStyle) -> Rendered {
        let mut driver = BibliographyDriver::new();
        let items = vec![CitationItem::with_entry(entry)];
        driver.citation(CitationRequest::from_items(items, style, &self.locales));
        driver.finish(BibliographyRequest { style, locale: None, locale_files: &self.locales })
    }
}

/// The first note of a style's output (in a note style, the full note).
fn first_note(rendered: &mut Rendered) -> Option<ElemChildren> {
    (!rendered.citations.is_empty()).then(|| rendered.citations.swap_remove(0).citation)
}

/// The first bibliography (reference-list, works-cited) entry of a style's output.
fn bibliography_entry(rendered: &mut Rendered) -> Option<ElemChildren> {
    rendered.bibliography.take().and_then(|b| b.items.into_iter().next()).map(|i| i.content)
}

/// A part of a style's output for `entry`, written out.
fn take(children: Option<ElemChildren>, entry: &Entry, name: &'static str) -> Result<Formatted, CiteError> {
    let children = children.filter(|c| !c.0.is_empty()).ok_or(CiteError::Empty(name))?;
    let url = entry.url().map(|u| u.value.to_string()).unwrap_or_default();
    Formatted::new(&children, &url)
}

/// A bundled style, which must be an independent one.
fn independent(style: ArchivedStyle) -> Result<IndependentStyle, CiteError> {
    match style.get() {
        Style::Independent(style) => Ok(style),
        Style::Dependent(_) => Err(CiteError::Bundled("CSL style")),
    }
}

/// Works around a hayagriva 0.10 divergence from other CSL processors in the Chicago style.
///
/// For a newspaper article without an author, Chicago's bibliography entry puts the
/// newspaper in the author's place and keeps the article title in quotation marks (CMOS 17
/// on unsigned newspaper articles: *New York Times*. "In Texas, Ad Heats Up Race for
/// Governor." July 30, 2002.). The CSL style does this through `cs:substitute`, then quotes
/// the title in its `title-primary` macro only `if variable="container-title"`. hayagriva
/// treats the substituted (suppressed) container title as absent in that test, unlike
/// citeproc-js, so the title falls through to the italic branch meant for standalone works.
/// Adding newspaper and magazine articles to the macro's list of always-quoted types
/// restores the quotation marks, and changes nothing where the container title is seen.
fn quote_untitled_container_articles(style: &mut IndependentStyle) {
    let Some(title_primary) = style.macros.iter_mut().find(|m| m.name == "title-primary") else {
        return;
    };
    for child in &mut title_primary.children {
        let LayoutRenderingElement::Choose(choose) = child else { continue };
        for branch in &mut choose.else_if {
            let Some(kinds) = branch.type_.as_mut() else { continue };
            if kinds.contains(&Kind::Article) && kinds.contains(&Kind::Webpage) {
                for kind in [Kind::ArticleNewspaper, Kind::ArticleMagazine] {
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                }
            }
        }
    }
}

/// A byline split the way citation formats need it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Author {
    /// One person: "Ada Park", "Ludwig van Beethoven", "Martin Luther King Jr.".
    Person {
        given: String,
        /// Lower-case particles before the family name ("van", "de la").
        particle: Option<String>,
        family: String,
        suffix: Option<String>,
    },
    /// Printed as given: an organisation, a desk, a single name, several people.
    Literal(String),
}

impl Author {
    /// Reads a feed's byline; `None` when it is blank.
    ///
    /// A byline is split into given and family names only when it looks like one person's
    /// name: two to five words, each capitalised except name particles, no digits or
    /// symbols, no comma or "and" (several people, or "Name, Outlet"), no word that names an
    /// organisation and no all-capitals acronym. Anything else stays literal, which every
    /// format prints as it is: a wrong split ("Press, A.") is worse than none.
    fn parse(byline: &str) -> Option<Self> {
        let byline = byline.split_whitespace().collect::<Vec<_>>().join(" ");
        let byline = byline.strip_prefix("By ").or_else(|| byline.strip_prefix("by ")).unwrap_or(&byline);
        if byline.is_empty() {
            return None;
        }
        let literal = || Some(Self::Literal(byline.to_owned()));
        let mut words: Vec<&str> = byline.split(' ').collect();
        let is_name_word = |word: &&str| {
            let capitalised = word.chars().next().is_some_and(char::is_uppercase);
            let acronym = word.chars().filter(|c| c.is_alphabetic()).count() > 1
                && word.chars().all(|c| !c.is_lowercase())
                && !SUFFIXES.contains(&word.trim_end_matches('.'));
            let organisation =
                ORGANISATION_WORDS.contains(&word.trim_end_matches('.').to_lowercase().as_str());
            (capitalised || PARTICLES.contains(word)) && !acronym && !organisation
        };
        let symbols = byline.contains(|c: char| c.is_ascii_digit() || "&/@,;()[]:|+".contains(c));
        if !(2..=5).contains(&words.len()) || symbols || !words.iter().all(is_name_word) {
            return literal();
        }
        let suffix = match words.last() {
            Some(last) if words.len() > 2 && SUFFIXES.contains(&last.trim_end_matches('.')) => {
                words.pop().map(str::to_owned)
            }
            _ => None,
        };
        let Some(family) = words.pop().map(str::to_owned) else { return literal() };
        let given_end = words.iter().rposition(|w| !PARTICLES.contains(w)).map_or(0, |i| i + 1);
        let particle = (given_end < words.len()).then(|| words[given_end..].join(" "));
        let given = words[..given_end].join(" ");
        if given.is_empty() || PARTICLES.contains(&family.as_str()) {
            return literal();
        }
        Some(Self::Person { given, particle, family, suffix })
    }
}

/// Lower-case words that belong to the family name when they precede it.
const PARTICLES: &[&str] = &[
    "al", "bin", "da", "de", "del", "della", "den", "der", "di", "du", "el", "ibn", "la", "le", "ten", "ter",
    "van", "von",
];
/// Generational suffixes, without their full stop.
const SUFFIXES: &[&str] = &["Jr", "Sr", "II", "III", "IV"];
/// Words (lower case) that mark a byline as an organisation or a desk rather than a person.
const ORGANISATION_WORDS: &[&str] = &[
    "admin",
    "agency",
    "associated",
    "bureau",
    "committee",
    "correspondent",
    "correspondents",
    "council",
    "daily",
    "department",
    "desk",
    "editor",
    "editorial",
    "editors",
    "foundation",
    "government",
    "group",
    "inc",
    "institute",
    "llc",
    "ltd",
    "magazine",
    "media",
    "ministry",
    "network",
    "news",
    "newsroom",
    "office",
    "online",
    "post",
    "press",
    "radio",
    "reporter",
    "reporters",
    "reuters",
    "service",
    "services",
    "staff",
    "team",
    "television",
    "times",
    "tv",
    "university",
    "wire",
];

/// The record as a hayagriva entry: an `Article` whose parent is a `Newspaper` named after
/// our site, so the styles see CSL type `article-newspaper` with our site as the container.
///
/// MLA 9 and Chicago cite an article on a news site like a newspaper article, site name in
/// italics. APA 7 would format an article from an online-only news site as a
/// webpage (article title in italics, site in roman); we keep one mapping for every style:
/// the site republishes newspapers' articles and is cited as their container.
fn hayagriva_entry(
    record: &CitationRecord,
    title: &str,
    author: Option<&Author>,
) -> Result<Entry, CiteError> {
    let mut site = Entry::new(&format!("{}-site", record.id), EntryType::Newspaper);
    site.set_title(FormatString::with_value(record.site_name));
    site.set_publisher(Publisher::new(Some(FormatString::with_value(record.site_name)), None));

    let mut entry = Entry::new(record.id, EntryType::Article);
    entry.set_title(FormatString::with_value(title));
    if let Some(author) = author {
        let person = match author {
            Author::Person { given, particle, family, suffix } => Person {
                name: family.clone(),
                given_name: Some(given.clone()),
                prefix: particle.clone(),
                suffix: suffix.clone(),
                comma_suffix: false,
                alias: None,
            },
            Author::Literal(name) => Person {
                name: name.clone(),
                given_name: None,
                prefix: None,
                suffix: None,
                comma_suffix: false,
                alias: None,
            },
        };
        entry.set_authors(vec![person]);
    }
    entry.set_date(hayagriva_date(record.published.date_naive()));
    let url = url::Url::parse(record.url)
        .map_err(|source| CiteError::InvalidUrl { url: record.url.to_owned(), source })?;
    entry.set_url(QualifiedUrl::new(url, Some(hayagriva_date(record.accessed))));
    // The styles title-case only English titles; an unparsable tag is treated as unknown.
    if let Some(language) = record.language.and_then(|l| l.parse().ok()) {
        entry.set_language(language);
    }
    entry.set_parents(vec![site]);
    Ok(entry)
}

/// A calendar day in hayagriva's terms (month and day counted from zero).
fn hayagriva_date(day: NaiveDate) -> Date {
    Date {
        year: day.year(),
        month: Some(day.month0() as u8),
        day: Some(day.day0() as u8),
        approximate: false,
        season: None,
    }
}

/// One formatted citation, as plain text and as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Formatted {
    text: String,
    html: String,
}

impl Formatted {
    /// Writes hayagriva's output. `url` is the URL the citation prints, which is left alone
    /// when punctuation is tidied.
    fn new(children: &ElemChildren, url: &str) -> Result<Self, CiteError> {
        let mut text = String::new();
        children.write_buf(&mut text, BufWriteFormat::Plain)?;
        let mut escaped_url = String::new();
        crate::push_escaped_html(url, &mut escaped_url);
        Ok(Self {
            text: collapse_punctuation(text.trim(), url),
            html: collapse_punctuation(&html(children), &escaped_url),
        })
    }
}

/// A formatted citation as HTML: text escaped, italics as `<i>`, all else as plain text.
///
/// hayagriva's own HTML writer neither escapes text nor uses `<i>` (it writes inline CSS).
fn html(children: &ElemChildren) -> String {
    fn walk(children: &ElemChildren, out: &mut String) {
        for child in &children.0 {
            match child {
                ElemChild::Text(text) | ElemChild::Link { text, .. } => {
                    write_text(&text.text, text.formatting, out);
                }
                ElemChild::Elem(elem) => walk(&elem.children, out),
                ElemChild::Markup(markup) => crate::push_escaped_html(markup, out),
                ElemChild::Transparent { .. } => {}
            }
        }
    }
    fn write_text(text: &str, formatting: Formatting, out: &mut String) {
        let italic = formatting.font_style == FontStyle::Italic;
        if italic {
            out.push_str("<i>");
        }
        crate::push_escaped_html(text, out);
        if italic {
            out.push_str("</i>");
        }
    }
    let mut out = String::new();
    walk(children, &mut out);
    // Adjacent italic runs read better merged.
    out.replace("</i><i>", "").trim().to_owned()
}

/// Tidies the punctuation hayagriva 0.10 leaves where a title meets the style's own, as CSL
/// processors should (CSL 1.0.2, appendix on punctuation) and all three manuals require:
/// - a full stop or comma after a closing `?` or `!` is dropped ("Who Pays?." becomes
///   "Who Pays?", "“Who Pays?,”" becomes "“Who Pays?”");
/// - a full stop or comma between a title's closing single quotation mark and the style's
///   closing double one moves inside both ("‘Killer’.”" becomes "‘Killer.’”"). A headline
///   ending in a possessive apostrophe would be misread so, which is rarer than a quote.
///
/// Text inside the printed URL is left alone: a query string may hold `?.`.
fn collapse_punctuation(text: &str, url: &str) -> String {
    fn collapse(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let Some(&next @ ('.' | ',')) = chars.peek() else {
                out.push(c);
                continue;
            };
            let mut after = chars.clone();
            after.next();
            match (c, after.peek()) {
                ('?' | '!', None | Some(' ' | '”' | '’' | '<')) => {
                    out.push(c);
                    chars.next();
                }
                ('’', Some('”')) => {
                    out.push(next);
                    out.push(c);
                    chars.next();
                }
                _ => out.push(c),
            }
        }
        out
    }
    if url.is_empty() {
        return collapse(text);
    }
    text.split(url).map(collapse).collect::<Vec<_>>().join(url)
}

/// A title to be set in double quotation marks, with its own double quotation marks made
/// single, as MLA 9 and CMOS 17 ask and hayagriva does not do. Straight double quotation
/// marks alternate between opening and closing. Single quotation marks are kept: `’` is also
/// the apostrophe.
fn single_inner_quotes(title: &str) -> String {
    let mut straight_seen = 0_usize;
    title
        .chars()
        .map(|c| match c {
            '“' => '‘',
            '”' => '’',
            '"' => {
                straight_seen += 1;
                if straight_seen % 2 == 1 { '‘' } else { '’' }
            }
            c => c,
        })
        .collect()
}

/// The sentence crediting the original outlet, for the formats' note fields.
fn original_note(record: &CitationRecord) -> String {
    match record.original_url {
        Some(url) => format!("Originally published by {} at {url}", record.outlet),
        None => format!("Originally published by {}", record.outlet),
    }
}

/// The record as a BibLaTeX `@online` entry, written by the biblatex crate, which escapes
/// TeX's special characters (`{ } % & # $ _`). The title and literal names are braced so
/// that BibTeX keeps their case and does not split them into name parts; `langid` is left
/// out because it takes babel language names, not the BCP 47 tags we hold.
///
/// biblatex 0.12 writes `~`, `^` and `\` as `\~`, `\^` and `\\`, which TeX reads as accents
/// and a line break; headlines hardly ever hold them, so they are left as they come.
fn biblatex_entry(record: &CitationRecord, author: Option<&Author>) -> String {
    use biblatex::{Date as BibDate, DateValue, Datetime, EntryType as BibType, PermissiveType};

    let braced = |s: &str| vec![Spanned::detached(Chunk::Verbatim(s.to_owned()))];
    let normal = |s: &str| vec![Spanned::detached(Chunk::Normal(s.to_owned()))];
    let date = |day: NaiveDate| {
        PermissiveType::Typed(BibDate {
            value: DateValue::At(Datetime {
                year: day.year(),
                month: Some(day.month0() as u8),
                day: Some(day.day0() as u8),
                time: None,
            }),
            uncertain: false,
            approximate: false,
        })
    };

    let mut entry = biblatex::Entry::new(citation_key(record.id), BibType::Online);
    entry.set_title(braced(record.title));
    match author {
        Some(Author::Person { given, particle, family, suffix }) => {
            entry.set_author(vec![biblatex::Person {
                name: family.clone(),
                given_name: given.clone(),
                prefix: particle.clone().unwrap_or_default(),
                suffix: suffix.clone().unwrap_or_default(),
                id: None,
                prefix_initials: None,
                given_initials: None,
                use_prefix: None,
            }]);
        }
        Some(Author::Literal(name)) => entry.set("author", braced(name)),
        None => {}
    }
    entry.set_organization(vec![braced(record.site_name)]);
    entry.set_date(date(record.published.date_naive()));
    // `url` is a verbatim field: only braces and backslashes are escaped, `%` and `#` stay.
    entry.set("url", normal(record.url));
    entry.set_url_date(date(record.accessed));
    entry.set("origpublisher", braced(record.outlet));
    entry.set_note(normal(&original_note(record)));
    entry.to_biblatex_string()
}

/// A BibTeX citation key: the id with anything BibTeX reads as syntax replaced by `-`.
fn citation_key(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_:.+/".contains(c) { c } else { '-' }).collect()
}

/// The record as a RIS record.
///
/// Written here: RIS is one `TAG  - value` line per field with nothing to escape, and no
/// maintained Rust crate writes it. Tags follow what reference managers import for a
/// newspaper article (`T2` the publication, `DA` the date, `Y2` the access date).
fn ris_record(record: &CitationRecord, author: Option<&Author>) -> String {
    let published = record.published.date_naive();
    let mut lines: Vec<(&str, String)> = vec![("TY", "NEWS".to_owned())];
    match author {
        Some(Author::Person { given, particle, family, suffix }) => {
            let given = particle.as_ref().map_or_else(|| given.clone(), |p| format!("{given} {p}"));
            let name = match suffix {
                Some(suffix) => format!("{family}, {given}, {suffix}"),
                None => format!("{family}, {given}"),
            };
            lines.push(("AU", name));
        }
        Some(Author::Literal(name)) => lines.push(("AU", name.clone())),
        None => {}
    }
    lines.extend([
        ("TI", record.title.to_owned()),
        ("T2", record.site_name.to_owned()),
        ("PB", record.site_name.to_owned()),
        ("PY", published.format("%Y").to_string()),
        ("DA", published.format("%Y/%m/%d").to_string()),
        ("UR", record.url.to_owned()),
        ("Y2", record.accessed.format("%Y/%m/%d").to_string()),
        ("N1", original_note(record)),
        ("ID", record.id.to_owned()),
    ]);
    if let Some(language) = record.language {
        lines.push(("LA", language.to_owned()));
    }
    lines.push(("ER", String::new()));
    let mut out = String::new();
    for (tag, value) in lines {
        // A line break inside a value would start a line that is not a tag.
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push_str(tag);
        out.push_str("  - ");
        out.push_str(&value);
        out.push_str("\r\n");
    }
    out
}

/// The record as a CSL-JSON array of one item.
///
/// Built with `serde_json` rather than citationberg's `json::Item`: citationberg 0.7 reads
/// CSL-JSON well (the tests read our output back with it), but writes a date as a bare
/// `[[2021, 2, 7]]`, without its `date-parts` key and with zero-based months and days.
fn csl_json(record: &CitationRecord, author: Option<&Author>) -> Result<String, CiteError> {
    use serde_json::{Map, Value, json};

    let date = |day: NaiveDate| json!({ "date-parts": [[day.year(), day.month(), day.day()]] });
    let mut item = Map::new();
    item.insert("id".into(), json!(record.id));
    item.insert("type".into(), json!("article-newspaper"));
    item.insert("title".into(), json!(record.title));
    match author {
        Some(Author::Person { given, particle, family, suffix }) => {
            let mut name = Map::new();
            name.insert("family".into(), json!(family));
            name.insert("given".into(), json!(given));
            if let Some(particle) = particle {
                // hayagriva and biblatex (by default) treat a particle as dropping.
                name.insert("dropping-particle".into(), json!(particle));
            }
            if let Some(suffix) = suffix {
                name.insert("suffix".into(), json!(suffix));
            }
            item.insert("author".into(), json!([name]));
        }
        Some(Author::Literal(name)) => {
            item.insert("author".into(), json!([{ "literal": name }]));
        }
        None => {}
    }
    item.insert("container-title".into(), json!(record.site_name));
    item.insert("publisher".into(), json!(record.site_name));
    item.insert("issued".into(), date(record.published.date_naive()));
    item.insert("accessed".into(), date(record.accessed));
    item.insert("URL".into(), json!(record.url));
    item.insert("note".into(), json!(original_note(record)));
    if let Some(language) = record.language {
        item.insert("language".into(), json!(language));
    }
    Ok(serde_json::to_string_pretty(&[Value::Object(item)])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SEED_URL: &str = "https://www.radiofree.org/2021/03/08/blinken-reportedly-sets-out-plan-to-revitalize-afghan-peace-talks/";
    const SEED_TITLE: &str = "Blinken Reportedly Sets Out Plan To Revitalize Afghan Peace Talks";
    /// The seed title as MLA and Chicago capitalise it: "to" in an infinitive is lower case.
    const SEED_HEADLINE: &str = "Blinken Reportedly Sets Out Plan to Revitalize Afghan Peace Talks";

    /// The article in DESIGN.md §1: no byline, republished by "Radio Free".
    fn seed() -> CitationRecord<'static> {
        CitationRecord {
            title: SEED_TITLE,
            author: None,
            site_name: "Radio Free",
            outlet: "RFE/RL",
            published: Utc.with_ymd_and_hms(2021, 3, 8, 1, 13, 26).unwrap(),
            url: SEED_URL,
            original_url: Some("https://www.rferl.org/a/blinken-afghan-peace-talks/31138345.html"),
            accessed: NaiveDate::from_ymd_opt(2021, 3, 8).unwrap(),
            id: "freewire-123",
            language: Some("en"),
        }
    }

    /// A signed article on another day and site, with no language tag.
    fn signed() -> CitationRecord<'static> {
        CitationRecord {
            title: "A Headline",
            author: Some("Ada Park"),
            site_name: "Wire",
            outlet: "The Outlet",
            published: Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap(),
            url: "https://w.example/2024/05/06/a-headline/",
            original_url: None,
            accessed: NaiveDate::from_ymd_opt(2024, 5, 7).unwrap(),
            id: "freewire-7",
            language: None,
        }
    }

    // The expected citations were written from the manuals' rules for a news article on a
    // website, not copied from the library's output:
    // - APA 7: Author, A. (Year, Month Day). Title. *Site*. URL — with no author the title
    //   takes the author's place; no full stop after the URL; no retrieval date for a dated
    //   article. APA wants article titles in sentence case, but its CSL style prints titles
    //   as stored, and sentence-casing a headline needs its proper nouns ("Blinken",
    //   "Afghan") known; we store the headline as published, so the tests expect it so.
    // - MLA 9: Last, First. "Title." *Site*, Day Mon. Year, URL. — the publisher is left out
    //   when it is the site's own name; the access date is optional for a dated work.
    // - CMOS 17, notes and bibliography: First Last, "Title," *Site*, Month Day, Year, URL.
    //   and Last, First. "Title." *Site*, Month Day, Year. URL. — an unsigned newspaper
    //   article's note begins with its title, and its bibliography entry with the paper's
    //   name; no access date when the article is dated. (The bundled Chicago style follows
    //   CMOS 18, which keeps these forms.)
    // MLA and Chicago title-case English titles ("Plan to Revitalize"), as both manuals
    // prescribe. Plain text drops italics; the HTML variant shows where they fall.

    #[test]
    fn unsigned_article_in_apa_starts_with_its_title() {
        let c = cite(&seed()).unwrap();
        assert_eq!(c.apa, format!("{SEED_TITLE}. (2021, March 8). Radio Free. {SEED_URL}"));
        assert_eq!(c.html.apa, format!("{SEED_TITLE}. (2021, March 8). <i>Radio Free</i>. {SEED_URL}"));
    }

    #[test]
    fn unsigned_article_in_mla_starts_with_its_quoted_title() {
        let c = cite(&seed()).unwrap();
        assert_eq!(c.mla, format!("“{SEED_HEADLINE}.” Radio Free, 8 Mar. 2021, {SEED_URL}."));
        assert_eq!(c.html.mla, format!("“{SEED_HEADLINE}.” <i>Radio Free</i>, 8 Mar. 2021, {SEED_URL}."));
    }

    #[test]
    fn unsigned_article_in_chicago_notes_begins_with_its_title() {
        let c = cite(&seed()).unwrap();
        assert_eq!(c.chicago_note, format!("“{SEED_HEADLINE},” Radio Free, March 8, 2021, {SEED_URL}."));
        assert_eq!(
            c.html.chicago_note,
            format!("“{SEED_HEADLINE},” <i>Radio Free</i>, March 8, 2021, {SEED_URL}.")
        );
    }

    #[test]
    fn unsigned_article_in_chicago_bibliography_begins_with_the_site_and_quotes_its_title() {
        // Without `quote_untitled_container_articles` hayagriva prints the title in italics.
        let c = cite(&seed()).unwrap();
        assert_eq!(
            c.chicago_bibliography,
            format!("Radio Free. “{SEED_HEADLINE}.” March 8, 2021. {SEED_URL}.")
        );
        assert_eq!(
            c.html.chicago_bibliography,
            format!("<i>Radio Free</i>. “{SEED_HEADLINE}.” March 8, 2021. {SEED_URL}.")
        );
    }

    #[test]
    fn signed_article_names_its_author_family_name_first_in_lists() {
        let c = cite(&signed()).unwrap();
        let url = "https://w.example/2024/05/06/a-headline/";
        assert_eq!(c.apa, format!("Park, A. (2024, May 6). A Headline. Wire. {url}"));
        assert_eq!(c.mla, format!("Park, Ada. “A Headline.” Wire, 6 May 2024, {url}."));
        assert_eq!(c.chicago_note, format!("Ada Park, “A Headline,” Wire, May 6, 2024, {url}."));
        assert_eq!(c.chicago_bibliography, format!("Park, Ada. “A Headline.” Wire, May 6, 2024. {url}."));
        assert_eq!(c.html.apa, format!("Park, A. (2024, May 6). A Headline. <i>Wire</i>. {url}"));
    }

    #[test]
    fn organisation_byline_is_printed_as_given() {
        let c = cite(&CitationRecord { author: Some("Reuters Staff"), ..signed() }).unwrap();
        assert!(c.apa.starts_with("Reuters Staff. (2024, May 6). A Headline."), "{}", c.apa);
        assert!(c.chicago_note.starts_with("Reuters Staff, “A Headline,”"), "{}", c.chicago_note);
        assert!(c.bibtex.contains("author = {{Reuters Staff}},"), "{}", c.bibtex);
        assert!(c.ris.contains("AU  - Reuters Staff\r\n"), "{}", c.ris);
        assert!(c.csl_json.contains(r#""literal": "Reuters Staff""#), "{}", c.csl_json);
    }

    #[test]
    fn bylines_are_split_only_when_they_look_like_one_person() {
        let person = |given: &str, particle: Option<&str>, family: &str, suffix: Option<&str>| {
            Some(Author::Person {
                given: given.to_owned(),
                particle: particle.map(str::to_owned),
                family: family.to_owned(),
                suffix: suffix.map(str::to_owned),
            })
        };
        let literal = |name: &str| Some(Author::Literal(name.to_owned()));
        assert_eq!(Author::parse("Ada Park"), person("Ada", None, "Park", None));
        assert_eq!(Author::parse("  By  Ada   Park "), person("Ada", None, "Park", None));
        assert_eq!(Author::parse("Mary Ann Evans"), person("Mary Ann", None, "Evans", None));
        assert_eq!(Author::parse("Ludwig van Beethoven"), person("Ludwig", Some("van"), "Beethoven", None));
        assert_eq!(
            Author::parse("Martin Luther King Jr."),
            person("Martin Luther", None, "King", Some("Jr."))
        );
        assert_eq!(Author::parse("Reuters"), literal("Reuters"));
        assert_eq!(Author::parse("AP"), literal("AP"));
        assert_eq!(Author::parse("RFE/RL"), literal("RFE/RL"));
        assert_eq!(Author::parse("NPR Staff"), literal("NPR Staff"));
        assert_eq!(Author::parse("Radio Free Europe"), literal("Radio Free Europe"));
        assert_eq!(Author::parse("Common Dreams Staff"), literal("Common Dreams Staff"));
        assert_eq!(Author::parse("Ada Park and Ben Lee"), literal("Ada Park and Ben Lee"));
        assert_eq!(Author::parse("Ada Park, Reuters"), literal("Ada Park, Reuters"));
        assert_eq!(Author::parse("   "), None);
    }

    #[test]
    fn name_particles_and_suffixes_reach_every_format() {
        let c = cite(&CitationRecord { author: Some("Ludwig van Beethoven Jr."), ..signed() }).unwrap();
        // A dropping particle, as hayagriva models it: "Beethoven, L. van".
        assert!(c.apa.starts_with("Beethoven, L. van, Jr. (2024, May 6)."), "{}", c.apa);
        assert!(c.chicago_note.starts_with("Ludwig van Beethoven Jr., “A Headline,”"), "{}", c.chicago_note);
        assert!(c.ris.contains("AU  - Beethoven, Ludwig van, Jr.\r\n"), "{}", c.ris);
        let json: serde_json::Value = serde_json::from_str(&c.csl_json).unwrap();
        assert_eq!(
            json[0]["author"],
            serde_json::json!([{ "family": "Beethoven", "given": "Ludwig", "dropping-particle": "van", "suffix": "Jr." }])
        );
        let bib = biblatex::Bibliography::parse(&c.bibtex).unwrap();
        let author = &bib.get("freewire-7").unwrap().author().unwrap()[0];
        assert_eq!(
            (
                author.given_name.as_str(),
                author.prefix.as_str(),
                author.name.as_str(),
                author.suffix.as_str()
            ),
            ("Ludwig", "van", "Beethoven", "Jr.")
        );
    }

    #[test]
    fn question_headline_is_not_followed_by_more_punctuation() {
        let c = cite(&CitationRecord { title: "Who Pays?", ..seed() }).unwrap();
        assert_eq!(c.apa, format!("Who Pays? (2021, March 8). Radio Free. {SEED_URL}"));
        assert_eq!(c.mla, format!("“Who Pays?” Radio Free, 8 Mar. 2021, {SEED_URL}."));
        assert_eq!(c.chicago_note, format!("“Who Pays?” Radio Free, March 8, 2021, {SEED_URL}."));
        assert_eq!(c.chicago_bibliography, format!("Radio Free. “Who Pays?” March 8, 2021. {SEED_URL}."));
        assert_eq!(c.html.mla, format!("“Who Pays?” <i>Radio Free</i>, 8 Mar. 2021, {SEED_URL}."));
    }

    #[test]
    fn punctuation_inside_the_url_is_kept() {
        let url = "https://w.example/a?.b=1!,c";
        let c = cite(&CitationRecord { url, ..signed() }).unwrap();
        assert!(c.apa.ends_with(url), "{}", c.apa);
        assert!(c.mla.ends_with(&format!("{url}.")), "{}", c.mla);
    }

    #[test]
    fn quotation_marks_in_a_quoted_title_become_single() {
        let c = cite(&CitationRecord { title: "Minister Calls Plan “Dead” and \"Void\"", ..seed() }).unwrap();
        assert!(c.apa.starts_with("Minister Calls Plan “Dead” and \"Void\". (2021"), "{}", c.apa);
        assert!(c.mla.starts_with("“Minister Calls Plan ‘Dead’ and ‘Void.’” Radio Free"), "{}", c.mla);
        let c = cite(&CitationRecord { title: "Biden Calls Putin a ‘Killer’", ..seed() }).unwrap();
        assert!(
            c.chicago_note.starts_with("“Biden Calls Putin a ‘Killer,’” Radio Free"),
            "{}",
            c.chicago_note
        );
    }

    #[test]
    fn html_escapes_the_record() {
        let c =
            cite(&CitationRecord { title: "Rock & <Roll>", site_name: "A \"B\" Site", ..signed() }).unwrap();
        assert!(
            c.html.apa.contains("Rock &amp; &lt;Roll&gt;. <i>A &quot;B&quot; Site</i>."),
            "{}",
            c.html.apa
        );
        assert!(c.apa.contains("Rock & <Roll>. A \"B\" Site."), "{}", c.apa);
    }

    #[test]
    fn bibtex_is_a_biblatex_online_entry() {
        let c = cite(&seed()).unwrap();
        assert_eq!(
            c.bibtex,
            format!(
                "@online{{freewire-123,\n\
                 date = {{2021-03-08}},\n\
                 note = {{Originally published by RFE/RL at https://www.rferl.org/a/blinken-afghan-peace-talks/31138345.html}},\n\
                 organization = {{{{Radio Free}}}},\n\
                 origpublisher = {{{{RFE/RL}}}},\n\
                 title = {{{{{SEED_TITLE}}}}},\n\
                 url = {{{SEED_URL}}},\n\
                 urldate = {{2021-03-08}},\n\
                 }}"
            )
        );
        let parsed = biblatex::Bibliography::parse(&c.bibtex).unwrap();
        let entry = parsed.get("freewire-123").unwrap();
        assert_eq!(entry.entry_type, biblatex::EntryType::Online);
        assert_eq!(entry.url().unwrap(), SEED_URL);
        // biblatex lists author/editor as required for @online; an unsigned article has
        // neither, and biblatex styles then sort and label it by title.
        assert_eq!(entry.verify().missing, ["author"]);
        let signed = cite(&signed()).unwrap();
        let parsed = biblatex::Bibliography::parse(&signed.bibtex).unwrap();
        assert!(parsed.get("freewire-7").unwrap().verify().is_ok(), "{}", signed.bibtex);
    }

    #[test]
    fn bibtex_escapes_tex_syntax_and_reads_back_unchanged() {
        use biblatex::ChunksExt;

        let title = "Budget {draft} Cuts 50% & More: #1 Story } of {the_year}, $5";
        let url = "https://w.example/a?b=50%25&c=1#frag_{x}";
        let record = CitationRecord {
            title,
            site_name: "Smith & Sons {News}",
            outlet: "R&D #5",
            url,
            original_url: Some("https://o.example/100%_sure#top"),
            id: "freewire 9, {x}",
            ..signed()
        };
        let c = cite(&record).unwrap();
        let parsed =
            biblatex::Bibliography::parse(&c.bibtex).unwrap_or_else(|e| panic!("{e:?}\n{}", c.bibtex));
        let entry = parsed.get("freewire-9---x-").unwrap_or_else(|| panic!("{}", c.bibtex));
        assert_eq!(entry.title().unwrap().format_verbatim(), title);
        assert_eq!(entry.url().unwrap(), url);
        assert_eq!(entry.organization().unwrap()[0].format_verbatim(), "Smith & Sons {News}");
        assert_eq!(entry.get("origpublisher").unwrap().format_verbatim(), "R&D #5");
        assert_eq!(
            entry.note().unwrap().format_verbatim(),
            "Originally published by R&D #5 at https://o.example/100%_sure#top"
        );
        let author = &entry.author().unwrap()[0];
        assert_eq!((author.given_name.as_str(), author.name.as_str()), ("Ada", "Park"));
    }

    #[test]
    fn ris_is_a_news_record() {
        let c = cite(&seed()).unwrap();
        assert_eq!(
            c.ris,
            format!(
                "TY  - NEWS\r\n\
                 TI  - {SEED_TITLE}\r\n\
                 T2  - Radio Free\r\n\
                 PB  - Radio Free\r\n\
                 PY  - 2021\r\n\
                 DA  - 2021/03/08\r\n\
                 UR  - {SEED_URL}\r\n\
                 Y2  - 2021/03/08\r\n\
                 N1  - Originally published by RFE/RL at https://www.rferl.org/a/blinken-afghan-peace-talks/31138345.html\r\n\
                 ID  - freewire-123\r\n\
                 LA  - en\r\n\
                 ER  - \r\n"
            )
        );
        let signed = cite(&CitationRecord { title: "Two\nLines", ..signed() }).unwrap();
        assert!(signed.ris.contains("AU  - Park, Ada\r\n"), "{}", signed.ris);
        assert!(signed.ris.contains("TI  - Two Lines\r\n"), "{}", signed.ris);
    }

    #[test]
    fn csl_json_is_one_newspaper_article() {
        let c = cite(&seed()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&c.csl_json).unwrap();
        assert_eq!(json.as_array().map(Vec::len), Some(1));
        let item = &json[0];
        assert_eq!(item["id"], "freewire-123");
        assert_eq!(item["type"], "article-newspaper");
        assert_eq!(item["title"], SEED_TITLE);
        assert_eq!(item["container-title"], "Radio Free");
        assert_eq!(item["publisher"], "Radio Free");
        assert_eq!(item["issued"], serde_json::json!({ "date-parts": [[2021, 3, 8]] }));
        assert_eq!(item["accessed"], serde_json::json!({ "date-parts": [[2021, 3, 8]] }));
        assert_eq!(item["URL"], SEED_URL);
        assert_eq!(item["language"], "en");
        assert!(item.get("author").is_none());

        let signed = cite(&signed()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&signed.csl_json).unwrap();
        assert_eq!(json[0]["author"], serde_json::json!([{ "family": "Park", "given": "Ada" }]));
    }

    /// Our CSL-JSON, read back by citationberg's CSL-JSON reader and formatted by hayagriva,
    /// gives the same citations as the entry formatted directly: the two mappings agree, and
    /// nothing in the CSL-JSON makes a style print something odd.
    #[test]
    fn csl_json_formats_like_the_entry_it_describes() {
        use hayagriva::citationberg::json::Item;

        let citer = Citer::new().unwrap();
        let beethoven = CitationRecord { author: Some("Ludwig van Beethoven"), ..signed() };
        for record in [seed(), signed(), beethoven] {
            let c = citer.cite(&record).unwrap();
            let items: Vec<Item> = serde_json::from_str(&c.csl_json).unwrap();
            // Each part from a run of its own (`cite` takes Chicago's two from one run).
            let note: fn(&mut Rendered) -> Option<ElemChildren> = first_note;
            let entry: fn(&mut Rendered) -> Option<ElemChildren> = bibliography_entry;
            for (style, part, expected) in [
                (&citer.apa, entry, &c.apa),
                (&citer.mla, entry, &c.mla),
                (&citer.chicago, note, &c.chicago_note),
                (&citer.chicago, entry, &c.chicago_bibliography),
            ] {
                let mut driver = BibliographyDriver::new();
                let request = CitationRequest::from_items(
                    vec![CitationItem::with_entry(&items[0])],
                    style,
                    &citer.locales,
                );
                driver.citation(request);
                let mut rendered =
                    driver.finish(BibliographyRequest { style, locale: None, locale_files: &citer.locales });
                let children = part(&mut rendered).unwrap();
                assert_eq!(&Formatted::new(&children, record.url).unwrap().text, expected);
            }
        }
    }

    #[test]
    fn one_citer_can_serve_every_request() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Citer>();
        let citer = Citer::new().unwrap();
        assert_eq!(citer.cite(&seed()).unwrap(), cite(&seed()).unwrap());
    }

    #[test]
    fn relative_permalink_is_refused() {
        let error = cite(&CitationRecord { url: "/2021/03/08/x/", ..seed() }).unwrap_err();
        assert!(matches!(error, CiteError::InvalidUrl { .. }), "{error}");
    }
}
