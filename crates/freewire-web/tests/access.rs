//! Who may do what, checked against the README's own permission table: every row of "Accounts
//! and roles" is tried by a visitor, a contributor, an editor and an administrator through the
//! real server, and each is let through exactly where the table has a ✓ (refused with 403
//! elsewhere). Plus one case the table implies: a contributor cannot amend another's update.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers stop the test at the first failure"
)]

mod common;

use common::*;

/// The README's permission table: each row's text and its ✓ for visitor, contributor, editor,
/// admin.
fn permission_table() -> Vec<(String, [bool; 4])> {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let start = readme
        .find("| may … | visitor | contributor | editor | admin |")
        .expect("the table is in the README");
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let may = |i: usize| cells[i] == "✓";
            (cells[0].to_owned(), [may(1), may(2), may(3), may(4)])
        })
        .collect()
}

struct Who {
    name: &'static str,
    client: reqwest::Client,
}

impl Who {
    /// A form token of this person's session (none for a visitor).
    async fn token(&self, app: &TestApp) -> String {
        let page = self.client.get(app.url("/about")).send().await.unwrap().text().await.unwrap();
        page.find("name=\"csrf\" value=\"").map(|_| form_token(&page)).unwrap_or_default()
    }

    async fn get(&self, app: &TestApp, path: &str) -> StatusCode {
        self.client.get(app.url(path)).send().await.unwrap().status()
    }

    async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> StatusCode {
        let token = self.token(app).await;
        let mut form: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        form.extend_from_slice(fields);
        self.client.post(app.url(path)).form(&form).send().await.unwrap().status()
    }
}

/// What the rows are tried on.
struct Fixture {
    page: String,
    article: i64,
    withdrawable: i64,
    story: i64,
    source: i64,
    feed: i64,
    /// Each signed-in person's own update, in the order of the people.
    own: Vec<i64>,
    /// An update by the administrator.
    others: i64,
}

/// Tries the permission table's `row` as `who` (the `i`th person): the answers.
async fn try_row(app: &TestApp, f: &Fixture, row: &str, who: &Who, i: usize) -> Vec<StatusCode> {
    let mut answers = Vec::new();
    let keyword = |k: &str| row.contains(k);
    if keyword("read articles") {
        answers.push(who.get(app, &f.page).await);
        answers.push(who.get(app, &format!("{}updates.atom", f.page)).await);
    } else if keyword("post updates") {
        let form = upload_form(Some(&who.token(app).await), "Another note", vec![]);
        let res = who
            .client
            .post(app.url(&format!("/articles/{}/updates", f.article)))
            .multipart(form)
            .send()
            .await;
        answers.push(res.unwrap().status());
    } else if keyword("edit or delete their own") {
        let id = if i == 0 { f.own[0] } else { f.own[i - 1] };
        answers
            .push(who.post(app, &format!("/updates/{id}/edit"), &[("note", "Changed by its author")]).await);
    } else if keyword("manage their password") {
        answers.push(who.get(app, "/account").await);
    } else if keyword("hide or show any update") {
        answers.push(
            who.post(app, &format!("/updates/{}/hide", f.others), &[("reason", "A test of roles")]).await,
        );
        answers.push(who.post(app, &format!("/updates/{}/unhide", f.others), &[]).await);
        answers.push(who.get(app, "/admin/audit").await);
    } else if keyword("follow, disable and enable feeds") {
        answers.push(who.get(app, "/admin/feeds").await);
        answers
            .push(who.post(app, &format!("/admin/feeds/{}/enabled", f.feed), &[("enabled", "true")]).await);
    } else if keyword("rename a source") {
        answers.push(who.get(app, "/admin/sources").await);
        let fields = [("name", "Harbour Gazette"), ("licence", "CC-BY-4.0"), ("index_policy", "ours")];
        answers.push(who.post(app, &format!("/admin/sources/{}", f.source), &fields).await);
    } else if keyword("withdraw and reinstate") {
        answers.push(who.get(app, "/admin/withdrawn").await);
        let target = f.withdrawable;
        let reason = [("reason", "A test of roles")];
        answers.push(who.post(app, &format!("/admin/articles/{target}/withdraw"), &reason).await);
        answers.push(who.post(app, &format!("/admin/articles/{target}/reinstate"), &[]).await);
    } else if keyword("rename, merge and split stories") {
        answers.push(
            who.post(app, &format!("/story/{}/rename", f.story), &[("title", "Saltmere ferry grant")]).await,
        );
    } else if keyword("invite contributors") {
        answers.push(who.get(app, "/admin/invites").await);
        answers.push(who.post(app, "/admin/invites", &[("role", "contributor")]).await);
    } else if keyword("invite editors") {
        answers.push(who.post(app, "/admin/invites", &[("role", "editor")]).await);
    } else {
        panic!("a row of the permission table this test does not try: {row}");
    }
    answers
}

#[tokio::test]
async fn every_role_may_do_exactly_what_the_readme_table_says() {
    let app = TestApp::spawn().await;
    let stories = app.add_story().await;
    let article = &stories[0];
    let story = article.story_id.unwrap().0;
    let page = TestApp::page_path(article);
    let visitor = Who { name: "visitor", client: TestApp::client() };
    let contributor = Who { name: "contributor", client: app.signed_in("cora").await };
    let mut people = vec![visitor, contributor];
    for (name, role) in [("editor", Role::Editor), ("admin", Role::Admin)] {
        app.add_user(name, role).await;
        let client = TestApp::client();
        assert_eq!(app.login(&client, name, PASSWORD).await.status(), StatusCode::SEE_OTHER);
        people.push(Who { name, client });
    }
    // Every signed-in person's own update, and one by somebody else.
    let mut own = Vec::new();
    for who in &people[1..] {
        own.push(
            common::post_update(&app, &who.client, article, &format!("A note by {}", who.name), vec![]).await,
        );
    }
    let others = common::post_update(&app, &people[3].client, article, "The admin's own note", vec![]).await;
    let source = app.store.source_by_name("Harbour Gazette").await.unwrap().unwrap().id.0;
    let feed = app
        .store
        .insert_feed(freewire_core::NewFeed {
            source_id: freewire_core::SourceId(source),
            url: "https://harbour.example/feed.xml".into(),
            title: None,
        })
        .await
        .unwrap()
        .id
        .0;

    let fixture = Fixture {
        page,
        article: article.id.0,
        withdrawable: stories[2].id.0,
        story,
        source,
        feed,
        own,
        others,
    };
    let table = permission_table();
    assert_eq!(table.len(), 11, "every row is tried: {table:?}");
    for (row, allowed) in &table {
        for (i, who) in people.iter().enumerate() {
            let answers = try_row(&app, &fixture, row, who, i).await;
            for status in answers {
                let let_through = status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED;
                assert_eq!(let_through, allowed[i], "{row:?} by the {}: {status}", who.name);
                if allowed[i] {
                    assert!(
                        status.is_success() || status.is_redirection(),
                        "{row:?} by the {}: {status}",
                        who.name
                    );
                }
            }
        }
    }
    // What the table implies: the author's own only.
    let status =
        people[1].post(&app, &format!("/updates/{}/edit", fixture.own[1]), &[("note", "Not mine")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a contributor cannot amend an editor's update");
    let status = people[1].post(&app, &format!("/updates/{}/delete", fixture.own[2]), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor delete an admin's");
}
