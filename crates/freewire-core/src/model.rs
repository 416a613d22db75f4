//! The domain model (DESIGN.md §3): what the store keeps and the pages show.
#![expect(
    missing_docs,
    reason = "field names are the domain vocabulary of DESIGN.md §3; fields that need more say so"
)]

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::licence::{IndexPolicy, Licence};
use crate::permalink::Permalink;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A source's row id.
    SourceId,
    /// A feed's row id.
    FeedId,
    /// An article's row id.
    ArticleId,
    /// A user's row id.
    UserId,
    /// An update's row id.
    UpdateId,
    /// An attachment's row id.
    AttachmentId,
    /// A story's row id.
    StoryId,
    /// An API token's row id.
    ApiTokenId,
);

impl UserId {
    /// The operator at the command line, in the audit log: no account acted.
    pub const OPERATOR: UserId = UserId(0);
}

/// An outlet whose articles we republish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub id: SourceId,
    pub name: String,
    pub homepage: Option<String>,
    pub licence: Licence,
    /// Text the outlet asks to be credited with, if other than its name.
    pub credit: Option<String>,
    /// What search engines are told about our copies of its articles.
    pub index_policy: IndexPolicy,
    pub created_at: DateTime<Utc>,
}

/// A source to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    pub name: String,
    pub homepage: Option<String>,
    pub licence: Licence,
    pub credit: Option<String>,
}

/// What an editor can change on a source: its name and its terms. The licence applies to
/// every article of the source already stored, so withdrawing a permission takes effect at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceTerms {
    pub name: String,
    /// The addresses (`/source/{slug}/`) that a rename moves, each with the source whose page
    /// it was, kept so links to them are sent on. A rename can move another source's page too
    /// (two names that fold to one slug share it by age).
    pub moved_slugs: Vec<(String, SourceId)>,
    pub homepage: Option<String>,
    pub licence: Licence,
    pub credit: Option<String>,
    pub index_policy: IndexPolicy,
}

/// A source with the address part of its page (`/source/{slug}/`): the name folded like a
/// permalink slug; a later source whose name folds the same way gets `-{id}` appended.
#[must_use]
pub fn source_slugs(sources: &[Source]) -> Vec<(SourceId, String)> {
    let mut by_id: Vec<&Source> = sources.iter().collect();
    by_id.sort_by_key(|s| s.id);
    let mut taken = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(by_id.len());
    for s in by_id {
        let mut slug = crate::slugify(&s.name);
        if slug.is_empty() {
            slug.push_str("source");
        }
        if !taken.insert(slug.clone()) {
            slug = format!("{slug}-{}", s.id);
            taken.insert(slug.clone());
        }
        out.push((s.id, slug));
    }
    out
}

/// One feed of a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feed {
    pub id: FeedId,
    pub source_id: SourceId,
    pub url: String,
    pub title: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub next_poll_at: DateTime<Utc>,
    pub error_count: i32,
    pub last_error: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    /// The interval the feed's own posting rate suggests, in seconds (adaptive).
    pub poll_interval_secs: i64,
    pub last_polled_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last poll, when it got that far.
    pub last_status: Option<i32>,
    /// The claim that holds the feed while a poller polls it (see
    /// [`crate::SourceStore::claim_due_feeds`]). Internal: never shown or serialised.
    #[serde(skip)]
    pub lease_token: Option<String>,
}

impl Feed {
    /// How the feed stands, for editors.
    #[must_use]
    pub fn state(&self) -> FeedState {
        if !self.enabled {
            FeedState::Disabled
        } else if self.error_count > 0 {
            FeedState::Failing
        } else if self.last_polled_at.is_none() {
            FeedState::New
        } else {
            FeedState::Ok
        }
    }
}

/// How a feed stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedState {
    /// Not polled yet.
    New,
    /// The last poll succeeded.
    Ok,
    /// The last poll failed; `last_error` says why.
    Failing,
    /// Switched off by an editor.
    Disabled,
}

impl fmt::Display for FeedState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FeedState::New => "new",
            FeedState::Ok => "ok",
            FeedState::Failing => "failing",
            FeedState::Disabled => "disabled",
        })
    }
}

/// What a poll of a feed leaves behind on the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPollUpdate {
    /// A new address after a permanent redirect.
    pub new_url: Option<String>,
    pub title: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub polled_at: DateTime<Utc>,
    pub next_poll_at: DateTime<Utc>,
    pub poll_interval_secs: i64,
    /// Consecutive failures (0 after a success).
    pub error_count: i32,
    pub last_error: Option<String>,
    /// Set on success.
    pub success: bool,
    pub last_status: Option<i32>,
}

/// A feed to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeed {
    pub source_id: SourceId,
    pub url: String,
    pub title: Option<String>,
}

/// Whether an article is on the public site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    /// Shown on the site.
    Published,
    /// Taken down by an editor; the permalink answers 410 Gone.
    Withdrawn,
    /// The same story as an earlier article from another outlet; not republished twice.
    Duplicate,
}

impl ArticleStatus {
    /// The stored value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Published => "published",
            ArticleStatus::Withdrawn => "withdrawn",
            ArticleStatus::Duplicate => "duplicate",
        }
    }
}

impl FromStr for ArticleStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "published" => Ok(ArticleStatus::Published),
            "withdrawn" => Ok(ArticleStatus::Withdrawn),
            "duplicate" => Ok(ArticleStatus::Duplicate),
            other => Err(format!("unknown article status {other:?}")),
        }
    }
}

/// A republished article, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article {
    pub id: ArticleId,
    pub source_id: SourceId,
    pub feed_id: Option<FeedId>,
    /// The item's identifier in its feed (RSS `guid`, Atom `id`, JSON Feed `id`).
    pub guid: String,
    /// Where the outlet published it.
    pub original_url: Option<String>,
    pub title: String,
    pub author: Option<String>,
    pub summary: Option<String>,
    /// Sanitised HTML.
    pub body_html: String,
    pub language: Option<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Our address for it, issued once.
    pub permalink: Permalink,
    pub licence: Licence,
    pub status: ArticleStatus,
    /// For a near-duplicate: the first copy of the story.
    pub duplicate_of: Option<ArticleId>,
    /// Enclosures and Media RSS objects.
    pub media: Vec<Media>,
    /// The item's categories, as tags.
    pub tags: Vec<Tag>,
    /// Set when an editor took the article down.
    pub withdrawn: Option<Withdrawal>,
    pub created_at: DateTime<Utc>,
    /// The story it reports, once grouped.
    pub story_id: Option<StoryId>,
}

impl Article {
    /// When the page last changed as far as the article goes: the outlet's later edit or
    /// our first publication.
    #[must_use]
    pub fn modified_at(&self) -> DateTime<Utc> {
        self.updated_at.map_or(self.published_at, |u| u.max(self.published_at))
    }
}

/// A tag as the feed named it, with the form used in addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Tag {
    pub name: String,
    pub slug: String,
}

impl Tag {
    /// A tag from a feed's category, or `None` when nothing of it is left for an address.
    #[must_use]
    pub fn new(name: &str) -> Option<Tag> {
        let name = crate::xml::strip_forbidden_chars(name);
        let name: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let slug = crate::slugify(&name);
        // `slugify` names an empty title "article"; a category with nothing left is no tag.
        (!name.is_empty() && !slug.is_empty() && name.chars().count() <= 100).then_some(Tag { name, slug })
    }
}

/// An editor's takedown of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withdrawal {
    pub at: DateTime<Utc>,
    /// The short notice readers see in place of the article.
    pub reason: String,
}

/// Which published (or, for editors, withdrawn) articles a list shows. Empty: all published.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleFilter {
    pub source: Option<SourceId>,
    /// A tag's slug.
    pub tag: Option<String>,
    /// Published at or after.
    pub from: Option<DateTime<Utc>>,
    /// Published before.
    pub until: Option<DateTime<Utc>>,
    /// Only articles whose canonical page is ours ([`IndexPolicy::Ours`]): what sitemaps list.
    pub canonical_here: bool,
    /// Withdrawn articles instead of published ones (for editors).
    pub withdrawn: bool,
    /// Only the articles of this story.
    pub story: Option<StoryId>,
    /// One article per story, its newest (the story's lead): lists that show a story once.
    pub one_per_story: bool,
    /// Only articles after this one in the list's order (newest first): published earlier, or
    /// at the same time with a smaller id. A cursor that stays put as new articles arrive.
    pub after: Option<(DateTime<Utc>, ArticleId)>,
}

/// What a sitemap needs of an article, without its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleStub {
    pub id: ArticleId,
    pub permalink: Permalink,
    pub title: String,
    pub language: Option<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// An article to store; the store issues its permalink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    pub source_id: SourceId,
    pub feed_id: Option<FeedId>,
    pub guid: String,
    pub original_url: Option<String>,
    pub title: String,
    pub author: Option<String>,
    pub summary: Option<String>,
    pub body_html: String,
    pub language: Option<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub licence: Licence,
    /// The original URL normalised (see `freewire_ingest::dedupe`): the same story reached
    /// through two feeds is stored once.
    pub normalized_url: Option<String>,
    /// SimHash of the text in its stored form, for near-duplicate detection (see
    /// [`crate::fingerprint`]); `None` for texts too short to compare.
    pub simhash: Option<i64>,
    /// Enclosures and Media RSS objects.
    pub media: Vec<Media>,
    /// The item's categories.
    pub tags: Vec<Tag>,
}

/// A media file an item carries: an RSS enclosure or a Media RSS object (audio, video,
/// images), kept with the article so nothing the outlet attached is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// Absolute address of the file.
    pub url: String,
    /// Its declared media type.
    pub media_type: Option<String>,
    /// Its declared length in bytes.
    pub length: Option<u64>,
    pub title: Option<String>,
    /// A preview image.
    pub thumbnail: Option<String>,
}

/// An article with the name of its source, for lists and pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleWithSource {
    pub article: Article,
    pub source: Source,
}

/// A record of where and when an article's text was taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retrieval {
    pub id: i64,
    pub article_id: ArticleId,
    /// The URL fetched, or a `file://` URL for an import.
    pub location: String,
    pub retrieved_at: DateTime<Utc>,
    /// The HTTP status, when it came over HTTP.
    pub http_status: Option<i32>,
    /// Hex sha256 of the bytes as received.
    pub sha256: String,
}

/// A retrieval to record with a new article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRetrieval {
    pub location: String,
    pub retrieved_at: DateTime<Utc>,
    pub http_status: Option<i32>,
    pub sha256: String,
}

/// What storing one article came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertOutcome {
    /// A new article, with its permalink.
    Inserted(Box<Article>),
    /// Already stored (same GUID in the source, or the same normalised URL); nothing stored.
    Duplicate(ArticleId),
    /// Already stored under this GUID with other text: the new text was kept as a revision.
    Revised(ArticleId),
    /// A near-duplicate of an earlier article from another source: stored, linked to the
    /// first copy, not published again.
    NearDuplicate {
        /// The new row.
        id: ArticleId,
        /// The first copy.
        of: ArticleId,
    },
}

/// One version of an article's text seen at its source. An article the outlet edited has two
/// or more, oldest first: the first is the text as first republished (for articles edited
/// before versions were kept that way, the earliest edit kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub id: i64,
    pub article_id: ArticleId,
    pub seen_at: DateTime<Utc>,
    pub title: String,
    pub body_html: String,
    /// The version's key ([`crate::revision::version_key`]; hex sha256 of the body for
    /// versions kept before keys left cosmetic changes out).
    pub content_sha256: String,
    /// The retrieval that brought this version, when recorded.
    pub retrieval_id: Option<i64>,
}

/// An article whose original page is read again on a decaying schedule, to see the outlet's
/// later edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recheck {
    pub article_id: ArticleId,
    /// The page read.
    pub url: String,
    /// The next visit.
    pub due_at: DateTime<Utc>,
    /// When the article last changed, or was first seen: the schedule counts from here.
    pub changed_at: DateTime<Utc>,
    /// No visit after this.
    pub until: DateTime<Utc>,
    /// Validators for a conditional request.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The version key of the page's text at the last visit (`None`: not read yet; the first
    /// visit only records it).
    pub page_key: Option<String>,
    /// Visits so far.
    pub checks: i32,
}

/// A page of a list: which page, how many per page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based.
    pub number: u64,
    pub size: u64,
}

impl PageRequest {
    /// The deepest page anyone is served (a million pages of 200): beyond it, offsets would
    /// not fit the databases' signed 64-bit integers.
    pub const MAX_NUMBER: u64 = 1_000_000;

    /// Page `number` (clamped to 1..=[`Self::MAX_NUMBER`]) of `size` items (clamped to 1..=200).
    #[must_use]
    pub fn new(number: u64, size: u64) -> Self {
        PageRequest { number: number.clamp(1, Self::MAX_NUMBER), size: size.clamp(1, 200) }
    }

    /// Rows to skip.
    #[must_use]
    pub fn offset(self) -> u64 {
        (self.number - 1).saturating_mul(self.size)
    }
}

/// One page of results and the total they come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub number: u64,
    pub size: u64,
    pub total: u64,
}

impl<T> Page<T> {
    /// How many pages the total fills (at least 1).
    #[must_use]
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(self.size).max(1)
    }
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Adds updates to timelines.
    Contributor,
    /// Also moderates updates and manages sources and feeds.
    Editor,
    /// Also manages users and the site.
    Admin,
}

impl Role {
    /// The stored value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Contributor => "contributor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "editor" => Ok(Role::Editor),
            "contributor" => Ok(Role::Contributor),
            other => Err(format!("unknown role {other:?}; expected admin, editor or contributor")),
        }
    }
}

/// A signed-up person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub email: Option<String>,
    /// PHC string of an argon2id hash; never shown.
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// The base32 secret of two-factor sign-in, when the user has turned it on; never shown.
    #[serde(skip)]
    pub totp_secret: Option<String>,
}

/// Checks that a username is one people can type and read in a timeline: 2 to 40 letters,
/// digits, `.`, `_` or `-`. The error is a sentence for the person choosing it.
pub fn check_username(name: &str) -> Result<(), String> {
    let ok_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if (2..=40).contains(&name.len()) && ok_chars {
        Ok(())
    } else {
        Err(format!("{name:?} cannot be a username: use 2 to 40 letters, digits, '.', '_' or '-'"))
    }
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
}

/// A signed-in browser session. The cookie holds a secret token; the store only ever sees
/// its sha256, so a copy of the database does not let anyone sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: UserId,
    /// The synchroniser token that every state-changing form of this session carries.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    /// The password was right but the second factor is still owed: the session signs no one
    /// in until the code is given (then it is replaced by a full one).
    pub pending_second_factor: bool,
}

/// What an API token lets its holder do. Each scope includes the ones before it: `write`
/// reads too, `admin` writes too. What a call may do is also bounded by the account's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// Reads what the account may read.
    Read,
    /// Also posts and changes what the account may change.
    Write,
    /// Also the administrators' calls (the audit log).
    Admin,
}

impl TokenScope {
    /// The stored value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
            TokenScope::Admin => "admin",
        }
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "read" => Ok(TokenScope::Read),
            "write" => Ok(TokenScope::Write),
            "admin" => Ok(TokenScope::Admin),
            other => Err(format!("unknown scope {other:?}; expected read, write or admin")),
        }
    }
}

/// A named key to the REST API, made by or for one account. The secret is shown once when it
/// is made; the store keeps only its sha256 and its first characters (to tell tokens apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub user_id: UserId,
    pub label: String,
    pub scope: TokenScope,
    /// The secret's first characters, shown in lists (`fw_k3Xa…`).
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    /// The last call it authorised (kept to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub user_id: UserId,
    pub label: String,
    pub scope: TokenScope,
    /// sha256 of the secret, hex.
    pub token_hash: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
}

/// An update on an article's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Update {
    pub id: UpdateId,
    pub article_id: ArticleId,
    pub author_id: UserId,
    /// The author's Markdown, as written.
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Set when an editor hid the update: it then shows as hidden, with the reason.
    pub hidden: Option<Hidden>,
}

/// An editor's hiding of an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hidden {
    pub at: DateTime<Utc>,
    pub by: UserId,
    pub reason: String,
}

/// One recorded act of moderation or administration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: UserId,
    /// The actor's username when the entry was read.
    pub actor: String,
    /// What was done (`update.hide`, `update.unhide`, `update.delete`, `feed.add` …).
    pub action: String,
    /// What it was done to (`update 12`, `feed 3`).
    pub target: String,
    /// The reason or other detail given.
    pub detail: String,
}

/// An act to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub actor_id: UserId,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// An update to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpdate {
    pub article_id: ArticleId,
    pub author_id: UserId,
    pub body: String,
}

/// A file attached to an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub update_id: UpdateId,
    /// Where the bytes live in object storage (generated, never from the user).
    pub object_key: String,
    /// The name the uploader's file had, cleaned of paths and control characters.
    pub file_name: String,
    /// Decided from the bytes, not the name or the browser's claim.
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    /// A small JPEG preview for raster images, in object storage.
    pub thumbnail_key: Option<String>,
}

/// A file to attach; its bytes are already in object storage under `object_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub object_key: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    /// A small JPEG preview for raster images, already in object storage.
    pub thumbnail_key: Option<String>,
}

/// An update as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    pub update: Update,
    pub author: String,
    pub attachments: Vec<Attachment>,
}

/// An invitation to register, sent as a link. The link holds a secret token; the store keeps
/// its sha256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invite {
    pub token_hash: String,
    pub created_by: UserId,
    /// The role the new account gets.
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// How people get accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Registration {
    /// Anyone can register (as a contributor).
    Open,
    /// Only with an invitation link from an editor (the default).
    Invite,
    /// Only administrators create accounts (`freewire user add`).
    Closed,
}

impl FromStr for Registration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(Registration::Open),
            "invite" => Ok(Registration::Invite),
            "closed" => Ok(Registration::Closed),
            other => Err(format!("unknown registration mode {other:?}; expected open, invite or closed")),
        }
    }
}

impl fmt::Display for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Registration::Open => "open",
            Registration::Invite => "invite",
            Registration::Closed => "closed",
        })
    }
}

/// One entry of the change sequence: the article (or its timeline) changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// Position in the sequence; increases with every change.
    pub seq: i64,
    pub article_id: ArticleId,
    pub at: DateTime<Utc>,
}

/// The first `n` words of a text, with `…` when there were more: the excerpt shown of an
/// article whose licence allows no more, everywhere it appears.
#[must_use]
pub fn first_words(text: &str, n: usize) -> String {
    let mut words = text.split_whitespace();
    let mut out: Vec<&str> = words.by_ref().take(n).collect();
    if words.next().is_some() {
        out.push("…");
    }
    out.join(" ")
}

/// How many words of an excerpt-only article are shown.
pub const EXCERPT_ONLY_WORDS: usize = 60;

// ---------------------------------------------------------------------------------------------
// Stories
// ---------------------------------------------------------------------------------------------

/// A story: one event, with the reports of every outlet that covered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Story {
    pub id: StoryId,
    pub title: String,
    /// The title folded for the address `/story/{id}-{slug}/`.
    pub slug: String,
    /// An editor named it; the grouping keeps the name.
    pub title_locked: bool,
    /// Published articles in it.
    pub article_count: u32,
    /// Distinct outlets among them.
    pub outlet_count: u32,
    /// Its newest published article: the one lists show for the story.
    pub lead_article_id: Option<ArticleId>,
    pub first_published_at: Option<DateTime<Utc>>,
    pub last_published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Where its address leads now, when an editor merged it away.
    pub merged_into: Option<StoryId>,
}

/// One report in a story, as lists show it beside another: which outlet, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoryReport {
    pub story_id: StoryId,
    pub article_id: ArticleId,
    pub permalink: Permalink,
    pub title: String,
    pub source_name: String,
    pub original_url: Option<String>,
    pub published_at: DateTime<Utc>,
}

/// An article as the grouping reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupingInput {
    pub id: ArticleId,
    pub title: String,
    pub body_html: String,
    pub published_at: DateTime<Utc>,
    /// For a near-verbatim copy: the first copy, whose story it shares.
    pub duplicate_of: Option<ArticleId>,
    /// Its story, when it has one already.
    pub story: Option<StoryId>,
    /// An editor put it in its story; the grouping never moves it.
    pub pinned: bool,
}

/// How far the grouping has got, and the epoch of editors' acts it has seen. A grouping is
/// committed only if the mark is still the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupingMark {
    /// Every article with an id at or below this has its story.
    pub through: ArticleId,
    /// Raised by each editor's act and each rebuild.
    pub epoch: i64,
}

/// The story an article goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoryChoice {
    /// A story that is stored.
    Existing(StoryId),
    /// A story to create, known in this batch by `key`, named `title`; `reuse` keeps a stored
    /// story's id (and address) for it, as a rebuild does.
    New { key: i64, title: String, reuse: Option<StoryId> },
}

/// An article and the story it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub article: ArticleId,
    pub story: StoryChoice,
}

/// A whole regrouping, written at once: every article's story, and where the addresses of
/// stories left empty lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regrouping {
    pub placements: Vec<Placed>,
    pub redirects: Vec<(StoryId, StoryId)>,
    /// The last article it covers.
    pub through: ArticleId,
}

/// An editor's decision about stories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoryEdit {
    /// Every article of `from` goes to `into`; `from`'s address leads there.
    Merge { from: StoryId, into: StoryId },
    /// The article goes to the story.
    Move { article: ArticleId, to: StoryId },
    /// The article leaves its story for one of its own, named by its headline.
    Split { article: ArticleId },
    /// The story gets a name of the editor's.
    Rename { story: StoryId, title: String },
}
