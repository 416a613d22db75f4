//! The use cases against a real SQLite file and a real upload folder: who may, what is
//! audited, and that a refused post leaves neither rows nor files.

#![expect(clippy::unwrap_used, reason = "test support: a test stops at its first failure")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use freewire_app::accounts::{self, Admission, NewAccount};
use freewire_app::sources::{self, FollowFeed};
use freewire_app::updates::{self, NewPost, UpdateRules};
use freewire_app::{Actor, AppError, articles, stories};
use freewire_core::store::prelude::*;
use freewire_core::{BlobStore, Licence, PageRequest, Role, User};
use freewire_ingest::SourceSpec;
use freewire_store::{ObjectBlobStore, SqlStore};

struct World {
    dir: tempfile::TempDir,
    store: SqlStore,
    blobs: Arc<dyn BlobStore>,
}

impl World {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display()))
            .await
            .unwrap();
        let blobs: Arc<dyn BlobStore> =
            Arc::new(ObjectBlobStore::local(&dir.path().join("uploads")).unwrap());
        World { dir, store, blobs }
    }

    async fn user(&self, name: &str, role: Role) -> User {
        let account = NewAccount {
            username: name.into(),
            email: None,
            role,
            password: "a long enough password".into(),
        };
        accounts::create_user(&self.store, account, Admission::Direct).await.unwrap()
    }

    /// The first article of the demo feed, imported through the use case.
    async fn article(&self) -> updates::PostableArticle {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../freewire/demo/harbour-gazette.xml");
        let spec =
            SourceSpec { name: "Harbour Gazette".into(), homepage: None, licence: Some(Licence::CcBy4) };
        let report =
            freewire_app::import::import_file(&self.store, Actor::Operator, &demo, &spec).await.unwrap();
        updates::postable_article(&self.store, report.inserted[0].id).await.unwrap()
    }

    fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if e.path().is_dir() { walk(&e.path(), out) } else { out.push(e.path()) }
            }
        }
        let mut out = Vec::new();
        walk(&self.dir.path().join("uploads"), &mut out);
        out
    }

    async fn receive(
        &self,
        name: &str,
        bytes: Vec<u8>,
        rules: &UpdateRules,
    ) -> Result<updates::ReceivedFile, AppError> {
        let body = futures_util::stream::iter(
            bytes.chunks(1000).map(|c| Ok::<_, AppError>(Bytes::copy_from_slice(c))).collect::<Vec<_>>(),
        );
        updates::receive_file(&self.blobs, rules.max_upload_bytes, name, body).await.map(|f| f.unwrap())
    }

    async fn audit_actions(&self) -> Vec<String> {
        self.store
            .list_audit(PageRequest::new(1, 50))
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

fn pdf(seed: u8, len: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.7\n".to_vec();
    b.extend((0..len).map(|i| (i as u8).wrapping_mul(seed)));
    b
}

#[tokio::test]
async fn renaming_a_source_keeps_every_address_it_moves() {
    let w = World::new().await;
    let editor = w.user("ed", Role::Editor).await;
    let reader = w.user("cy", Role::Contributor).await;
    let add = |name: &str| sources::SourceInput {
        name: name.into(),
        homepage: None,
        licence: Licence::CcBy4,
        credit: None,
    };
    // Two names that fold to one slug: the older has it, the younger gets its id appended.
    let first = sources::add_source(&w.store, Actor::Operator, add("Harbour Gazette")).await.unwrap();
    let second = sources::add_source(&w.store, Actor::Operator, add("Harbour-Gazette")).await.unwrap();
    let slug_of = |id| {
        let store = &w.store;
        async move {
            let all = store.list_sources().await.unwrap();
            freewire_core::source_slugs(&all).into_iter().find(|(s, _)| *s == id).unwrap().1
        }
    };
    let second_before = slug_of(second.id).await;
    assert_eq!(second_before, format!("harbour-gazette-{}", second.id));
    let rename = sources::SourceEdit { name: Some("Coast Post".into()), ..Default::default() };
    let refused = sources::edit_source(&w.store, Actor::User(&reader), first.id, rename.clone()).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    sources::edit_source(&w.store, Actor::User(&editor), first.id, rename).await.unwrap();
    // The younger source now has the plain slug; both old addresses lead where they should.
    assert_eq!(slug_of(second.id).await, "harbour-gazette");
    assert_eq!(w.store.source_by_former_slug("harbour-gazette").await.unwrap(), Some(first.id));
    assert_eq!(w.store.source_by_former_slug(&second_before).await.unwrap(), Some(second.id));
    let taken = sources::SourceEdit { name: Some("Harbour-Gazette".into()), ..Default::default() };
    let conflict = sources::edit_source(&w.store, Actor::User(&editor), first.id, taken).await;
    assert!(matches!(conflict, Err(AppError::Conflict(_))), "{conflict:?}");
    let blank = sources::SourceEdit { name: Some("  ".into()), ..Default::default() };
    assert!(matches!(
        sources::edit_source(&w.store, Actor::Operator, first.id, blank).await,
        Err(AppError::Invalid(_))
    ));
    let unchanged = sources::edit_source(&w.store, Actor::Operator, first.id, sources::SourceEdit::default())
        .await
        .unwrap();
    assert_eq!(unchanged.name, "Coast Post");
    assert_eq!(w.audit_actions().await, ["source.edit"], "one act, the one that changed something");
}

#[tokio::test]
async fn following_a_feed_creates_its_source_once_and_is_audited_for_accounts_only() {
    let w = World::new().await;
    let editor = w.user("ed", Role::Editor).await;
    let reader = w.user("cy", Role::Contributor).await;
    let follow = |url: &str, licence| FollowFeed {
        url: url.into(),
        source: "Valley Dispatch".into(),
        homepage: Some("https://valley.example/".into()),
        licence,
        title: None,
    };
    let refused = sources::follow_feed(
        &w.store,
        Actor::User(&reader),
        follow("https://valley.example/a.xml", Some(Licence::Cc0)),
    )
    .await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let unknown =
        sources::follow_feed(&w.store, Actor::User(&editor), follow("https://valley.example/a.xml", None))
            .await;
    assert!(matches!(unknown, Err(AppError::NotFound(ref m)) if m.contains("new source")), "{unknown:?}");
    let (feed, source) = sources::follow_feed(
        &w.store,
        Actor::User(&editor),
        follow("https://valley.example/a.xml", Some(Licence::Cc0)),
    )
    .await
    .unwrap();
    assert_eq!(source.licence, Licence::Cc0);
    assert_eq!(feed.source_id, source.id);
    // The same source again, by name, and the same feed refused.
    sources::follow_feed(&w.store, Actor::Operator, follow("https://valley.example/b.xml", None))
        .await
        .unwrap();
    let again =
        sources::follow_feed(&w.store, Actor::Operator, follow("https://valley.example/a.xml", None)).await;
    assert!(matches!(again, Err(AppError::Conflict(_))), "{again:?}");
    assert_eq!(w.store.list_sources().await.unwrap().len(), 1);
    assert_eq!(w.audit_actions().await, ["feed.add", "source.add"], "the operator's act is not an account's");
    let bad =
        sources::follow_feed(&w.store, Actor::Operator, follow("ftp://valley.example/a.xml", None)).await;
    assert!(matches!(bad, Err(AppError::Invalid(_))), "{bad:?}");
}

#[tokio::test]
async fn a_post_past_the_allowance_leaves_neither_rows_nor_files() {
    let w = World::new().await;
    let a = w.article().await;
    let ada = w.user("ada", Role::Contributor).await;
    let rules = UpdateRules { daily_upload_quota_bytes: 10_000, ..UpdateRules::default() };
    let first = w.receive("one.pdf", pdf(3, 6000), &rules).await.unwrap();
    let post = NewPost { note: "first".into(), files: vec![first] };
    updates::post_update(&w.store, &w.blobs, &rules, &ada, &a, post).await.unwrap();
    assert_eq!(w.files().len(), 1);

    let second = w.receive("two.pdf", pdf(5, 6000), &rules).await.unwrap();
    assert_eq!(w.files().len(), 2, "received, not yet posted");
    let post = NewPost { note: "second".into(), files: vec![second] };
    let refused = updates::post_update(&w.store, &w.blobs, &rules, &ada, &a, post).await;
    assert!(matches!(refused, Err(AppError::TooLarge(ref m)) if m.contains("allowance")), "{refused:?}");
    assert_eq!(w.files().len(), 1, "the refused file is removed before the answer");
    assert_eq!(w.store.timeline_for_article(a.article.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_start_up_sweep_removes_old_objects_no_update_holds_and_unfinished_writes_only() {
    let w = World::new().await;
    let ada = w.user("ada", Role::Contributor).await;
    let a = w.article().await;
    let rules = UpdateRules::default();
    let file = w.receive("kept.pdf", pdf(3, 6000), &rules).await.unwrap();
    let post = NewPost { note: "kept".into(), files: vec![file] };
    updates::post_update(&w.store, &w.blobs, &rules, &ada, &a, post).await.unwrap();
    // What a process killed mid-upload leaves: an object no update holds, and a temporary file.
    w.blobs.put("updates/left-behind", Bytes::from_static(b"%PDF-1.7 half")).await.unwrap();
    let unfinished = w.dir.path().join("uploads/updates/4f2a#1");
    std::fs::write(&unfinished, b"%PDF-1.").unwrap();
    assert_eq!(w.files().len(), 3);
    let sweep =
        |now| updates::sweep::sweep_storage(&w.store, w.blobs.as_ref(), chrono::Duration::hours(1), now);

    // Within the grace period nothing goes: another process may be about to store its row.
    let report = sweep(chrono::Utc::now()).await.unwrap();
    assert_eq!(report, updates::sweep::SweepReport { young: 2, ..Default::default() });
    assert_eq!(w.files().len(), 3);

    // Past it, the orphan and the temporary file go; the update's file stays.
    let report = sweep(chrono::Utc::now() + chrono::Duration::hours(2)).await.unwrap();
    assert_eq!(report.orphans, ["updates/left-behind"]);
    assert_eq!(report.unfinished.len(), 1, "{report:?}");
    assert!(report.unfinished[0].ends_with("4f2a#1"), "{report:?}");
    assert_eq!((report.kept, report.young), (1, 0));
    let left = w.files();
    assert_eq!(left.len(), 1, "{left:?}");
    let timeline = w.store.timeline_for_article(a.article.id).await.unwrap();
    let key = &timeline[0].attachments[0].object_key;
    assert_eq!(w.blobs.get(key).await.unwrap().len(), pdf(3, 6000).len());
    assert!(!unfinished.exists());
}

#[tokio::test]
async fn identical_bytes_share_one_object_and_the_spare_copy_goes() {
    let w = World::new().await;
    let a = w.article().await;
    let ada = w.user("ada", Role::Contributor).await;
    let rules = UpdateRules::default();
    for note in ["one", "two"] {
        let file = w.receive("same.pdf", pdf(7, 3000), &rules).await.unwrap();
        let post = NewPost { note: note.into(), files: vec![file] };
        updates::post_update(&w.store, &w.blobs, &rules, &ada, &a, post).await.unwrap();
    }
    assert_eq!(w.files().len(), 1);
    let timeline = w.store.timeline_for_article(a.article.id).await.unwrap();
    assert_eq!(timeline[0].attachments[0].object_key, timeline[1].attachments[0].object_key);
}

#[tokio::test]
async fn files_are_judged_by_their_bytes_and_size_before_they_are_kept() {
    let w = World::new().await;
    let rules = UpdateRules { max_upload_bytes: 5000, ..UpdateRules::default() };
    let html = w.receive("letter.pdf", b"<!DOCTYPE html><script>alert(1)</script>".to_vec(), &rules).await;
    assert!(matches!(html, Err(AppError::Unsupported(_))), "{html:?}");
    let big = w.receive("big.pdf", pdf(9, 6000), &rules).await;
    assert!(matches!(big, Err(AppError::TooLarge(ref m)) if m.contains("big.pdf")), "{big:?}");
    assert!(w.files().is_empty(), "nothing refused is stored: {:?}", w.files());
    let empty = updates::receive_file(
        &w.blobs,
        5000,
        "empty.txt",
        futures_util::stream::empty::<Result<Bytes, AppError>>(),
    )
    .await;
    assert!(matches!(empty, Ok(None)));
}

#[tokio::test]
async fn only_the_author_amends_and_only_editors_hide_with_a_reason() {
    let w = World::new().await;
    let a = w.article().await;
    let ada = w.user("ada", Role::Contributor).await;
    let bob = w.user("bob", Role::Contributor).await;
    let ed = w.user("ed", Role::Editor).await;
    let rules = UpdateRules::default();
    let post = NewPost { note: "draft".into(), files: vec![] };
    let update = updates::post_update(&w.store, &w.blobs, &rules, &ada, &a, post).await.unwrap();

    let by_bob = updates::edit_update(&w.store, &rules, &bob, update.id, "mine now").await;
    assert!(matches!(by_bob, Err(AppError::Forbidden(_))), "{by_bob:?}");
    updates::edit_update(&w.store, &rules, &ada, update.id, "final").await.unwrap();
    let hide = updates::set_update_hidden(&w.store, Actor::User(&bob), update.id, Some("spam")).await;
    assert!(matches!(hide, Err(AppError::Forbidden(_))), "{hide:?}");
    let no_reason = updates::set_update_hidden(&w.store, Actor::User(&ed), update.id, Some("  ")).await;
    assert!(matches!(no_reason, Err(AppError::Invalid(_))), "{no_reason:?}");
    updates::set_update_hidden(&w.store, Actor::User(&ed), update.id, Some("off topic")).await.unwrap();
    let after = updates::edit_update(&w.store, &rules, &ada, update.id, "again").await;
    assert!(matches!(after, Err(AppError::Forbidden(_))), "a hidden update is not amended: {after:?}");

    let closed = UpdateRules { edit_window_minutes: 0, ..rules };
    updates::set_update_hidden(&w.store, Actor::User(&ed), update.id, None).await.unwrap();
    let late = updates::delete_update(&w.store, w.blobs.as_ref(), &closed, &ada, update.id).await;
    assert!(matches!(late, Err(AppError::Forbidden(ref m)) if m.contains("0 minutes")), "{late:?}");
    updates::delete_update(&w.store, w.blobs.as_ref(), &rules, &ada, update.id).await.unwrap();
    assert_eq!(w.audit_actions().await, ["update.delete", "update.unhide", "update.hide"]);
}

#[tokio::test]
async fn withdrawing_needs_an_editor_and_a_reason_and_is_undone_by_reinstating() {
    let w = World::new().await;
    let a = w.article().await;
    let cy = w.user("cy", Role::Contributor).await;
    let ed = w.user("ed", Role::Editor).await;
    let id = a.article.id;
    assert!(matches!(
        articles::withdraw_article(&w.store, Actor::User(&cy), id, "legal").await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        articles::withdraw_article(&w.store, Actor::User(&ed), id, " ").await,
        Err(AppError::Invalid(_))
    ));
    articles::withdraw_article(&w.store, Actor::User(&ed), id, "At the outlet's request.").await.unwrap();
    let again = articles::withdraw_article(&w.store, Actor::User(&ed), id, "twice").await;
    assert!(matches!(again, Err(AppError::Invalid(_))), "{again:?}");
    articles::reinstate_article(&w.store, Actor::User(&ed), id).await.unwrap();
    assert_eq!(w.audit_actions().await, ["article.reinstate", "article.withdraw"]);
}

#[tokio::test]
async fn accounts_are_unique_and_passwords_reset_end_sessions() {
    let w = World::new().await;
    let ada = w.user("ada", Role::Contributor).await;
    let now = chrono::Utc::now();
    for token in ["laptop", "phone"] {
        let session = freewire_core::Session {
            token_hash: token.into(),
            user_id: ada.id,
            csrf_token: format!("csrf-{token}"),
            created_at: now,
            expires_at: now + chrono::Duration::days(1),
            user_agent: None,
            pending_second_factor: false,
        };
        w.store.insert_session(session).await.unwrap();
    }
    let account = NewAccount {
        username: "ada".into(),
        email: None,
        role: Role::Admin,
        password: "another long password".into(),
    };
    let taken = accounts::create_user(&w.store, account, Admission::Direct).await;
    assert!(matches!(taken, Err(AppError::Conflict(ref m)) if m.contains("exists already")), "{taken:?}");
    let short =
        NewAccount { username: "bob".into(), email: None, role: Role::Admin, password: "short".into() };
    assert!(matches!(
        accounts::create_user(&w.store, short, Admission::Direct).await,
        Err(AppError::Invalid(_))
    ));
    let bad_name = NewAccount {
        username: "<b>".into(),
        email: None,
        role: Role::Admin,
        password: "a long enough password".into(),
    };
    assert!(matches!(
        accounts::create_user(&w.store, bad_name, Admission::Direct).await,
        Err(AppError::Invalid(_))
    ));
    let spent = NewAccount {
        username: "eve".into(),
        email: None,
        role: Role::Editor,
        password: "a long enough password".into(),
    };
    let refused =
        accounts::create_user(&w.store, spent, Admission::Invited { token_hash: "no-such-invite" }).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    assert!(w.store.user_by_name("eve").await.unwrap().is_none());
    let ada_user = w.store.user_by_id(ada.id).await.unwrap().unwrap();
    for label in ["bot one", "bot two"] {
        freewire_app::tokens::create_token(
            &w.store,
            Actor::Operator,
            &ada_user,
            label,
            freewire_core::TokenScope::Write,
        )
        .await
        .unwrap();
    }
    let reset = accounts::reset_password(&w.store, "ada", "a new long password".into()).await.unwrap();
    assert_eq!((reset.sessions, reset.tokens), (2, 2));
    assert!(w.store.sessions_for_user(ada.id, now).await.unwrap().is_empty(), "every session ended");
    let tokens = w.store.api_tokens_for_user(ada.id).await.unwrap();
    assert!(tokens.iter().all(|t| t.revoked_at.is_some()), "every token revoked: {tokens:?}");
    assert!(matches!(
        accounts::reset_password(&w.store, "nobody", "a new long password".into()).await,
        Err(AppError::NotFound(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Stories

/// Two outlets' reports, written for these tests: the same ferry event in other words, and
/// unrelated local news around it.
const GAZETTE: &[(&str, &str, &str)] = &[
    (
        "Council sets out plan to rescue island ferry",
        "Tue, 01 Dec 2026 08:00:00 +0000",
        "The Saltmere council published a letter proposing a bridging grant to keep the island ferry running through winter. Council leader Ines Varga wrote to the operator's board that the crossing is a road the town maintains.",
    ),
    (
        "Library extends opening hours",
        "Tue, 01 Dec 2026 09:00:00 +0000",
        "The town library will open on Sundays from March, the trustees said after a survey of readers.",
    ),
    (
        "Orchard harvest best in a decade",
        "Mon, 30 Nov 2026 10:00:00 +0000",
        "Apple growers in the valley reported their largest crop since 2016 after a mild spring.",
    ),
];
const DISPATCH: &[(&str, &str, &str)] = &[
    (
        "Ferry winter crossings hang on Varga's grant offer",
        "Tue, 01 Dec 2026 15:00:00 +0000",
        "A letter from Saltmere council leader Ines Varga offers the island ferry operator a bridging grant so that winter crossings continue, with a shared timetable and a review of fares.",
    ),
    (
        "Choir wins regional contest",
        "Tue, 01 Dec 2026 16:00:00 +0000",
        "The harbour choir won first prize at the regional festival on Saturday with a programme of sea songs.",
    ),
];

fn rss(dir: &Path, name: &str, items: &[(&str, &str, &str)]) -> PathBuf {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>https://x.example/</link><description>d</description>",
    );
    for (i, (title, date, text)) in items.iter().enumerate() {
        let _ = write!(
            xml,
            "<item><title>{title}</title><link>https://{name}.example/{i}</link><guid>{name}-{i}</guid><pubDate>{date}</pubDate><description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
        );
    }
    xml.push_str("</channel></rss>");
    let path = dir.join(format!("{name}.xml"));
    std::fs::write(&path, xml).unwrap();
    path
}

async fn import(store: &SqlStore, dir: &Path, name: &str, items: &[(&str, &str, &str)]) {
    let spec = SourceSpec { name: name.into(), homepage: None, licence: Some(Licence::CcBy4) };
    freewire_app::import::import_file(store, Actor::Operator, &rss(dir, name, items), &spec).await.unwrap();
}

/// Each article's story, by title, and the stories as sets of titles.
async fn stories_of(store: &SqlStore) -> Vec<Vec<String>> {
    let page = store.list_stories(PageRequest::new(1, 100)).await.unwrap();
    let ids: Vec<_> = page.items.iter().map(|s| s.id).collect();
    let reports = store.story_reports(&ids).await.unwrap();
    let mut out: Vec<Vec<String>> =
        reports.values().map(|r| r.iter().map(|a| a.title.clone()).collect::<Vec<_>>()).collect();
    for s in &mut out {
        s.sort();
    }
    out.sort();
    out
}

#[tokio::test]
async fn stored_articles_are_grouped_once_even_by_two_processes_at_once() {
    let w = World::new().await;
    import(&w.store, w.dir.path(), "gazette", GAZETTE).await;
    import(&w.store, w.dir.path(), "dispatch", DISPATCH).await;
    // Two processes' stores on one database, grouping at the same moment.
    let url = format!("sqlite://{}?mode=rwc", w.dir.path().join("t.db").display());
    let other = SqlStore::connect(&url).await.unwrap();
    let (mut one, mut two) = (stories::Grouping::default(), stories::Grouping::default());
    let (a, b) = tokio::join!(stories::group_new(&w.store, &mut one), stories::group_new(&other, &mut two));
    assert_eq!(a.unwrap() + b.unwrap(), 5, "each article placed exactly once");
    let grouped = stories_of(&w.store).await;
    assert_eq!(grouped.len(), 4, "{grouped:?}");
    assert!(grouped.contains(&vec![
        "Council sets out plan to rescue island ferry".to_owned(),
        "Ferry winter crossings hang on Varga's grant offer".to_owned(),
    ]));
    // Nothing is left to place, by either.
    assert_eq!(stories::group_new(&other, &mut two).await.unwrap(), 0);
    assert_eq!(stories::group_new(&w.store, &mut one).await.unwrap(), 0);
    // The same arrivals in a fresh database give the same stories.
    let fresh = World::new().await;
    import(&fresh.store, w.dir.path(), "gazette", GAZETTE).await;
    import(&fresh.store, w.dir.path(), "dispatch", DISPATCH).await;
    stories::group_new(&fresh.store, &mut stories::Grouping::default()).await.unwrap();
    assert_eq!(stories_of(&fresh.store).await, grouped);
}

#[tokio::test]
async fn editors_decisions_outlast_the_grouping_and_a_rebuild() {
    let w = World::new().await;
    import(&w.store, w.dir.path(), "gazette", GAZETTE).await;
    import(&w.store, w.dir.path(), "dispatch", DISPATCH).await;
    stories::group_new(&w.store, &mut stories::Grouping::default()).await.unwrap();
    let reader = w.user("reader", Role::Contributor).await;
    let editor = w.user("ed", Role::Editor).await;
    let dispatch_ferry = w.store.articles_to_group(freewire_core::ArticleId(0), 10).await.unwrap()[3].clone();
    assert!(dispatch_ferry.title.starts_with("Ferry winter"));
    let split = freewire_core::StoryEdit::Split { article: dispatch_ferry.id };
    let refused = stories::edit_story(&w.store, Actor::User(&reader), split.clone()).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let alone = stories::edit_story(&w.store, Actor::User(&editor), split).await.unwrap();
    let rename = freewire_core::StoryEdit::Rename { story: alone, title: "  ".into() };
    assert!(matches!(
        stories::edit_story(&w.store, Actor::Operator, rename).await,
        Err(AppError::Invalid(_))
    ));
    let rename = freewire_core::StoryEdit::Rename { story: alone, title: "The grant offer".into() };
    stories::edit_story(&w.store, Actor::Operator, rename).await.unwrap();
    // A rebuild regroups everything else, and leaves the editor's split (and name) alone.
    let calls = std::sync::atomic::AtomicU64::new(0);
    let rebuilt = stories::rebuild(&w.store, freewire_core::story::Rules::default(), &|_, _| {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })
    .await
    .unwrap();
    assert_eq!(rebuilt.articles, 5);
    assert!(calls.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    let story = w.store.story_by_id(alone).await.unwrap().unwrap();
    assert_eq!((story.title.as_str(), story.article_count), ("The grant offer", 1));
    assert_eq!(stories_of(&w.store).await.len(), 5);
    assert_eq!(
        w.audit_actions().await.iter().filter(|a| a.starts_with("story.")).cloned().collect::<Vec<_>>(),
        ["story.rename", "story.split"]
    );
}
