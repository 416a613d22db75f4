//! The web layer against a real server on an ephemeral loopback port, a real SQLite file and
//! a real upload folder, driven over HTTP with a cookie-aware client.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

mod common;

use common::*;
#[tokio::test]
async fn anonymous_visitor_is_asked_to_log_in_before_uploading() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let res = TestApp::client().get(app.url(&TestApp::page_path(&a))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Please log in to upload a file."), "{html}");
    assert!(html.contains("There are no updates yet."));
    assert!(html.contains("Click the Upload button above to add an update."));
    assert!(!html.contains("class=\"upload\""), "no upload form for anonymous visitors");
    assert!(html.contains("<title>Ferry Talks Resume | Test Wire</title>"));
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Body of Ferry Talks Resume — “quoted” …"), "typography survives");
    assert!(html.contains(">Read the original</a>"));
    assert!(!html.contains("id=\"media-heading\""), "no media section without media");
    assert!(html.contains("creativecommons.org/licenses/by/4.0/"), "the licence is named and linked");
}

#[tokio::test]
async fn the_article_page_cites_the_author_when_there_is_one() {
    let app = TestApp::spawn().await;
    let when = Utc.with_ymd_and_hms(2024, 3, 5, 7, 30, 0).unwrap();
    let a = app.add_articles(&[("Bylined Story", when, Some("Mira Olsen"))]).await.remove(0);
    let html =
        TestApp::client().get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let expected = format!(
        "Mira Olsen | Test Wire (2024-03-05T07:30:00+00:00) Bylined Story. Retrieved from {}/2024/03/05/bylined-story/",
        app.base
    );
    assert!(html.contains(&expected), "citation missing: {expected}\n{html}");
}

#[tokio::test]
async fn home_lists_articles_newest_first_in_pages() {
    let app = TestApp::spawn().await;
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let titles: Vec<String> = (0..25).map(|i| format!("Story {i:02}")).collect();
    let items: Vec<_> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), start + Duration::hours(i as i64), None))
        .collect();
    app.add_articles(&items).await;
    let client = TestApp::client();
    let first = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(first.find("Story 24").unwrap() < first.find("Story 23").unwrap(), "newest first");
    assert!(!first.contains("Story 04"), "page 1 holds 20");
    assert!(first.contains("?page=2"));
    let second = client.get(app.url("/?page=2")).send().await.unwrap().text().await.unwrap();
    assert!(second.contains("Story 04") && second.contains("Story 00"));
    assert!(!second.contains("Story 05"));
    assert_eq!(client.get(app.url("/?page=3")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_addresses_get_the_sites_404_page() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let client = TestApp::client();
    for path in ["/no/such/page", "/2024/03/05/not-an-article/", "/2024/13/05/x/", "/files/999/x.pdf"] {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("Page not found"), "{path}: {html}");
        assert!(html.contains("Test Wire"), "the 404 page is the site's own");
    }
    let no_slash = client.get(app.url(TestApp::page_path(&a).trim_end_matches('/'))).send().await.unwrap();
    assert_eq!(no_slash.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(no_slash.headers()["location"], TestApp::page_path(&a).as_str());
}

#[tokio::test]
async fn every_response_carries_protective_headers() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    for path in ["/", "/login", "/missing", "/static/style.css"] {
        let res = client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        assert!(!h["content-security-policy"].to_str().unwrap().contains("unsafe-inline"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
}

#[tokio::test]
async fn a_signed_in_reader_posts_files_and_gets_them_back_byte_for_byte() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let client = app.signed_in("ada").await;
    let page = client.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(">Upload</button>"), "signed-in readers see the Upload button");
    assert!(!page.contains("Please log in to upload a file."));
    assert!(page.contains("Signed in as <strong>ada</strong>"));

    let token = form_token(&page);
    let res = client
        .post(app.url(&format!("/articles/{}/updates", a.id)))
        .multipart(upload_form(
            Some(&token),
            "The **minister's letter**, in full.",
            vec![("letter.pdf", pdf(), "application/pdf"), ("harbour map.png", PNG.to_vec(), "image/png")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{:?}", res.text().await);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&TestApp::page_path(&a)) && location.contains("#update-"), "{location}");

    let page = client.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("<strong>minister&#39;s letter</strong>")
            || page.contains("<strong>minister's letter</strong>"),
        "{page}"
    );
    assert!(page.contains(">letter.pdf</a>") && page.contains(">harbour map.png</a>"), "{page}");
    assert!(!page.contains("There are no updates yet."));
    assert!(page.contains("<strong>ada</strong> ·"), "the author is named");

    let timeline = app.store.timeline_for_article(a.id).await.unwrap();
    assert_eq!(timeline.len(), 1);
    let files = &timeline[0].attachments;
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].media_type, "application/pdf");
    assert_eq!(files[1].media_type, "image/png");
    assert_eq!(app.stored_files().len(), 3, "the PDF, the PNG and the PNG's preview");
    assert!(files[1].thumbnail_key.is_some() && files[0].thumbnail_key.is_none());

    let anonymous = TestApp::client();
    for (file, bytes, disposition) in [(&files[0], pdf(), "attachment"), (&files[1], PNG.to_vec(), "inline")]
    {
        let url = app.url(&format!("/files/{}/{}", file.id, file.file_name.replace(' ', "%20")));
        let res = anonymous.get(url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers().clone();
        assert_eq!(h["content-type"], file.media_type.as_str());
        assert!(
            h["content-disposition"].to_str().unwrap().starts_with(disposition),
            "{:?}",
            h["content-disposition"]
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h["content-security-policy"].to_str().unwrap().contains("sandbox"));
        assert_eq!(
            res.bytes().await.unwrap().as_ref(),
            bytes.as_slice(),
            "{} comes back byte for byte",
            file.file_name
        );
    }
}

#[tokio::test]
async fn an_anonymous_post_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let res = TestApp::client()
        .post(app.url(&format!("/articles/{}/updates", a.id)))
        .multipart(upload_form(Some("guess"), "spam", vec![("x.pdf", pdf(), "application/pdf")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Please log in to upload a file."));
    assert_eq!(app.timeline_len(a.id).await, 0);
    assert!(app.stored_files().is_empty());
}

#[tokio::test]
async fn a_post_without_the_form_token_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let client = app.signed_in("ada").await;
    for token in [None, Some("not-the-token"), Some("")] {
        let res = client
            .post(app.url(&format!("/articles/{}/updates", a.id)))
            .multipart(upload_form(token, "note", vec![("x.pdf", pdf(), "application/pdf")]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "token {token:?}");
    }
    // A token that is right, sent from another site, is refused too.
    let page = client.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let res = client
        .post(app.url(&format!("/articles/{}/updates", a.id)))
        .header("origin", "https://evil.example")
        .multipart(upload_form(Some(&form_token(&page)), "note", vec![]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.timeline_len(a.id).await, 0);
    assert!(app.stored_files().is_empty());
}

#[tokio::test]
async fn an_oversized_file_is_refused_with_a_message_and_leaves_nothing() {
    let app = TestApp::spawn_with(|c| c.updates.max_upload_bytes = 4096).await;
    let a = app.article().await;
    let client = app.signed_in("ada").await;
    let page = client.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Up to 4 KiB per file"));
    let res = client
        .post(app.url(&format!("/articles/{}/updates", a.id)))
        .multipart(upload_form(
            Some(&form_token(&page)),
            "note",
            vec![("small.pdf", pdf(), "application/pdf"), ("big.pdf", vec![b'%'; 5000], "application/pdf")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("“big.pdf” is larger than the 4 KiB limit for one file. Nothing was saved."),
        "{html}"
    );
    assert_eq!(app.timeline_len(a.id).await, 0);
    assert!(app.stored_files().is_empty());
}

#[tokio::test]
async fn a_disguised_or_active_file_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let client = app.signed_in("ada").await;
    let cases: [(&str, &[u8]); 2] = [
        ("letter.pdf", b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"),
        ("map.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
    ];
    for (name, bytes) in cases {
        let page = client.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
        let res = client
            .post(app.url(&format!("/articles/{}/updates", a.id)))
            .multipart(upload_form(
                Some(&form_token(&page)),
                "keep this note",
                vec![(name, bytes.to_vec(), "application/pdf")],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{name}");
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("“{name}” was not saved")), "{html}");
        assert!(html.contains(">keep this note</textarea>"), "the note is kept for another try");
    }
    assert_eq!(app.timeline_len(a.id).await, 0);
    assert!(app.stored_files().is_empty());
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    app.add_user("ada", Role::Editor).await;
    let client = TestApp::client();
    let res = app.login(&client, "ada", "not the password at all").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("Wrong username or password."));
    let res = app.login(&client, "nobody", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let res = app.login(&client, "ada", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("fw_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain-HTTP test site: not Secure");
    let session_value = cookie.split(';').next().unwrap().to_owned();

    let home = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Signed in as <strong>ada</strong>"));
    let res = client.post(app.url("/logout")).form(&[("csrf", form_token(&home))]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The old cookie, replayed, no longer signs anyone in.
    let replay =
        reqwest::Client::new().get(app.url("/")).header("cookie", session_value).send().await.unwrap();
    assert!(!replay.text().await.unwrap().contains("Signed in as"));
}

#[tokio::test]
async fn sign_in_without_its_form_token_is_refused() {
    let app = TestApp::spawn().await;
    app.add_user("ada", Role::Admin).await;
    let res = TestApp::client()
        .post(app.url("/login"))
        .form(&[("username", "ada"), ("password", PASSWORD), ("csrf", "made-up")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        res.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("fw_session="))
    );
}

#[tokio::test]
async fn sign_in_returns_only_to_pages_on_this_site() {
    let app = TestApp::spawn().await;
    app.add_user("ada", Role::Contributor).await;
    let client = TestApp::client();
    let page = client.get(app.url("/login?next=//evil.example/")).send().await.unwrap().text().await.unwrap();
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", "ada"),
            ("password", PASSWORD),
            ("csrf", &form_token(&page)),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn editors_see_each_feed_with_its_state_and_can_add_and_disable_feeds() {
    let app = TestApp::spawn().await;
    app.add_user("ed", Role::Editor).await;
    let contributor = app.signed_in("cora").await;
    let res = contributor.get(app.url("/admin/feeds")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "contributors do not manage feeds");
    assert_eq!(
        TestApp::client().get(app.url("/admin/feeds")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    let editor = TestApp::client();
    assert_eq!(app.login(&editor, "ed", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let page = editor.get(app.url("/admin/feeds")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("No feeds yet."));
    let token = form_token(&page);

    // A new source needs a licence.
    let res = editor
        .post(app.url("/admin/feeds"))
        .form(&[
            ("csrf", token.as_str()),
            ("url", "https://harbour.example/feed.xml"),
            ("source", "Harbour Gazette"),
            ("licence", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("choose the licence"));
    let res = editor
        .post(app.url("/admin/feeds"))
        .form(&[
            ("csrf", token.as_str()),
            ("url", "https://harbour.example/feed.xml"),
            ("source", "Harbour Gazette"),
            ("homepage", "https://harbour.example/"),
            ("licence", "CC-BY-4.0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let feeds = app.store.list_feeds().await.unwrap();
    assert_eq!(feeds.len(), 1);
    assert_eq!(app.store.source_by_name("Harbour Gazette").await.unwrap().unwrap().licence, Licence::CcBy4);

    // A failing feed shows its reason.
    app.store
        .update_feed_after_poll(
            feeds[0].id,
            None,
            freewire_core::FeedPollUpdate {
                new_url: None,
                title: None,
                etag: None,
                last_modified: None,
                polled_at: Utc::now() - Duration::minutes(5),
                next_poll_at: Utc::now() + Duration::minutes(15),
                poll_interval_secs: 3600,
                error_count: 3,
                last_error: Some("HTTP 503 (retry after 120 s)".into()),
                success: false,
                last_status: Some(503),
            },
        )
        .await
        .unwrap();
    let page = editor.get(app.url("/admin/feeds")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("1 failing"), "{page}");
    assert!(page.contains("Last error (3 in a row): HTTP 503 (retry after 120 s)"), "{page}");
    assert!(page.contains("Poll now"), "{page}");
    let res = editor
        .post(app.url(&format!("/admin/feeds/{}/poll", feeds[0].id)))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let due = app.store.feed_by_id(feeds[0].id).await.unwrap().unwrap().next_poll_at;
    assert!(due <= Utc::now(), "asked for: due now, not at {due}");
    let again = editor
        .post(app.url(&format!("/admin/feeds/{}/poll", feeds[0].id)))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER, "not polled since: asking again is harmless");

    let res = editor
        .post(app.url(&format!("/admin/feeds/{}/enabled", feeds[0].id)))
        .form(&[("csrf", token.as_str()), ("enabled", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!app.store.feed_by_id(feeds[0].id).await.unwrap().unwrap().enabled);
    let forged = editor
        .post(app.url(&format!("/admin/feeds/{}/enabled", feeds[0].id)))
        .form(&[("csrf", "forged"), ("enabled", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(!app.store.feed_by_id(feeds[0].id).await.unwrap().unwrap().enabled);
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one story, told in order: post, amend, hide, audit, show, delete")]
async fn authors_amend_their_own_updates_and_editors_hide_with_a_reason_on_the_record() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let ada = app.signed_in("ada").await;
    let id = post_update(&app, &ada, &a, "First draft", vec![("letter.pdf", pdf(), "application/pdf")]).await;
    let page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let token = form_token(&page);
    assert!(page.contains("Edit or delete"), "the author may amend");

    let res = ada
        .post(app.url(&format!("/updates/{id}/edit")))
        .form(&[("csrf", token.as_str()), ("note", "Final text")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Final text") && page.contains("· edited"), "{page}");

    // Someone else may not.
    let bob = app.signed_in("bob").await;
    let bob_page = bob.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    assert!(!bob_page.contains("Edit or delete"));
    let res = bob
        .post(app.url(&format!("/updates/{id}/edit")))
        .form(&[("csrf", form_token(&bob_page).as_str()), ("note", "vandalism")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = bob
        .post(app.url(&format!("/updates/{id}/hide")))
        .form(&[("csrf", form_token(&bob_page).as_str()), ("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "contributors do not moderate");

    // An editor hides it, with a reason readers see.
    app.add_user("ed", Role::Editor).await;
    let ed = TestApp::client();
    app.login(&ed, "ed", PASSWORD).await;
    let ed_page = ed.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let ed_token = form_token(&ed_page);
    let res = ed
        .post(app.url(&format!("/updates/{id}/hide")))
        .form(&[("csrf", ed_token.as_str()), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a reason is required");
    let res = ed
        .post(app.url(&format!("/updates/{id}/hide")))
        .form(&[("csrf", ed_token.as_str()), ("reason", "Contains a private phone number")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let anon = TestApp::client();
    let public = anon.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    assert!(public.contains("This update was hidden by an editor"), "hidden, not vanished");
    assert!(public.contains("Reason: Contains a private phone number"));
    assert!(
        !public.contains("Final text") && !public.contains("letter.pdf"),
        "its text and files are withheld"
    );
    let file = &app.store.timeline_for_article(a.id).await.unwrap()[0].attachments[0];
    let file_url = app.url(&format!("/files/{}/{}", file.id, file.file_name));
    assert_eq!(anon.get(&file_url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(
        ed.get(&file_url).send().await.unwrap().status(),
        StatusCode::OK,
        "editors can still review it"
    );
    let ada_page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    assert!(!ada_page.contains("Edit or delete"), "a hidden update cannot be edited back into view");

    // The act is on the record, which editors read and contributors do not.
    let log = ed.get(app.url("/admin/audit")).send().await.unwrap().text().await.unwrap();
    assert!(
        log.contains("update.hide")
            && log.contains("Contains a private phone number")
            && log.contains(">ed<"),
        "{log}"
    );
    assert_eq!(bob.get(app.url("/admin/audit")).send().await.unwrap().status(), StatusCode::FORBIDDEN);

    // Shown again, and the feed of updates follows.
    let res = ed
        .post(app.url(&format!("/updates/{id}/unhide")))
        .form(&[("csrf", ed_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        anon.get(app.url(&TestApp::page_path(&a)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Final text")
    );
    let log = ed.get(app.url("/admin/audit")).send().await.unwrap().text().await.unwrap();
    assert!(log.contains("update.unhide"));

    // The author deletes it: row, file and all.
    assert_eq!(app.stored_files().len(), 1);
    let res = ada
        .post(app.url(&format!("/updates/{id}/delete")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.timeline_len(a.id).await, 0);
    assert!(app.stored_files().is_empty(), "the file is removed with the update");
}

#[tokio::test]
async fn the_edit_window_closes() {
    let app = TestApp::spawn_with(|c| c.updates.edit_window_minutes = 0).await;
    let a = app.article().await;
    let ada = app.signed_in("ada").await;
    let id = post_update(&app, &ada, &a, "Too late to change", vec![]).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Edit or delete"));
    let res = ada
        .post(app.url(&format!("/updates/{id}/delete")))
        .form(&[("csrf", form_token(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.timeline_len(a.id).await, 1);
}

#[tokio::test]
async fn each_article_has_an_atom_feed_of_its_visible_updates() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let ada = app.signed_in("ada").await;
    post_update(
        &app,
        &ada,
        &a,
        "The *transcript* is attached.",
        vec![("transcript.txt", b"Q: A:".to_vec(), "text/plain")],
    )
    .await;
    let hidden = post_update(&app, &ada, &a, "Should not be in the feed", vec![]).await;
    let editor_id = app
        .store
        .insert_user(NewUser {
            username: "ed".into(),
            email: None,
            password_hash: hash_password(PASSWORD).unwrap(),
            role: Role::Editor,
        })
        .await
        .unwrap()
        .id;
    app.store
        .set_update_hidden(
            freewire_core::UpdateId(hidden),
            Some(freewire_core::Hidden { at: Utc::now(), by: editor_id, reason: "spam".into() }),
            freewire_core::NewAuditEntry {
                actor_id: editor_id,
                action: "update.hide".into(),
                target: String::new(),
                detail: "spam".into(),
            },
        )
        .await
        .unwrap();
    let page =
        TestApp::client().get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let feed_path = format!("{}updates.atom", TestApp::page_path(&a));
    assert!(
        page.contains(&format!(
            "type=\"application/atom+xml\" title=\"Updates: Ferry Talks Resume\" href=\"{feed_path}\""
        )),
        "autodiscovery"
    );
    let res = TestApp::client().get(app.url(&feed_path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
    let body = res.bytes().await.unwrap();
    let feed = feed_rs::parser::parse(body.as_ref()).expect("the updates feed parses");
    assert_eq!(feed.entries.len(), 1, "hidden updates are left out");
    let content = feed.entries[0].content.as_ref().unwrap().body.as_deref().unwrap();
    assert!(content.contains("<em>transcript</em>") && content.contains("transcript.txt"), "{content}");
    assert_eq!(feed.entries[0].authors[0].name.as_deref(), Some("ada"));
}

/// What a person does, in a real browser: Debian's Chromium, headless, driven through
/// `chromedriver` over the `WebDriver` protocol. Without Chromium this skips on a developer's machine and
/// fails under `CI=true`.
mod browser {
    use super::*;
    use fantoccini::{Client, ClientBuilder, Locator};

    const CHROMIUM: &str = "/usr/bin/chromium";
    const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

    /// A JPEG header: enough for the bytes to say "JPEG".
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9";

    struct Driver {
        process: std::process::Child,
        url: String,
        profiles: tempfile::TempDir,
    }

    impl Drop for Driver {
        fn drop(&mut self) {
            let _ = self.process.kill();
            let _ = self.process.wait();
        }
    }

    fn driver() -> Option<Driver> {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            assert!(
                !freewire_store::testing::is_ci(),
                "Chromium and chromedriver are required under CI=true (Debian packages chromium, chromium-driver)"
            );
            eprintln!("skipping: no Chromium at {CHROMIUM}");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let process = std::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Some(Driver {
            process,
            url: format!("http://127.0.0.1:{port}"),
            profiles: tempfile::tempdir().unwrap(),
        })
    }

    /// A fresh browser (its own profile, so no cookies carry over between people).
    async fn browser(driver: &Driver, who: &str) -> Client {
        let profile = driver.profiles.path().join(who);
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--window-size=1100,1400", format!("--user-data-dir={}", profile.display())]
            }),
        );
        // chromedriver takes a moment to listen.
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            if let Ok(c) = ClientBuilder::new(connector).capabilities(caps.clone()).connect(&driver.url).await
            {
                return c;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start");
    }

    async fn sign_in(c: &Client, app: &TestApp, name: &str, back_to: &str) {
        c.goto(&app.url(&format!("/login?next={back_to}"))).await.unwrap();
        c.find(Locator::Id("username")).await.unwrap().send_keys(name).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
        c.find(Locator::Css("form.login button[type=submit]")).await.unwrap().click().await.unwrap();
        wait_for_text(c, &format!("Signed in as {name}")).await;
    }

    /// The page's text; empty while a navigation replaces the page under us.
    async fn body_text(c: &Client) -> String {
        match c.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    async fn wait_for_text(c: &Client, text: &str) {
        for _ in 0..100 {
            if body_text(c).await.contains(text) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{text:?} never appeared; the page says:\n{}", body_text(c).await);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_reader_follows_a_story_across_outlets_and_an_editor_renames_it() {
        let Some(driver) = driver() else { return };
        let app = TestApp::spawn().await;
        let reports = app.add_story().await;
        app.add_user("ed", Role::Editor).await;

        // From one outlet's article, the story line leads to every outlet's report.
        let visitor = browser(&driver, "story-visitor").await;
        visitor.goto(&app.url(&TestApp::page_path(&reports[0]))).await.unwrap();
        visitor.find(Locator::LinkText("This story from 2 outlets")).await.unwrap().click().await.unwrap();
        wait_for_text(&visitor, "2 reports from 2 outlets").await;
        let text = body_text(&visitor).await;
        assert!(text.contains(&reports[0].title) && text.contains(&reports[1].title), "{text}");
        assert!(text.contains("What happened") && !text.contains("Arrange this story"), "{text}");
        let story_url = visitor.current_url().await.unwrap();
        assert!(story_url.path().starts_with("/story/"), "{story_url}");
        visitor.close().await.unwrap();

        // An editor renames it with the form on the page; the heading and address follow.
        let editor = browser(&driver, "story-editor").await;
        sign_in(&editor, &app, "ed", story_url.path()).await;
        editor.goto(story_url.as_str()).await.unwrap();
        let field = editor.find(Locator::Id("story-title")).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys("Saltmere ferry grant").await.unwrap();
        editor.find(Locator::Css("section.story-editor form button")).await.unwrap().click().await.unwrap();
        wait_for_text(&editor, "Saltmere ferry grant").await;
        let heading = editor.find(Locator::Css("article.story h1")).await.unwrap().text().await.unwrap();
        assert_eq!(heading, "Saltmere ferry grant");
        assert!(editor.current_url().await.unwrap().path().ends_with("-saltmere-ferry-grant/"));
        editor.close().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_contributor_uploads_files_and_an_editor_hides_them_on_the_record() {
        let Some(driver) = driver() else { return };
        let app = TestApp::spawn().await;
        let a = app.article().await;
        app.add_user("cora", Role::Contributor).await;
        app.add_user("ed", Role::Editor).await;
        let page = TestApp::page_path(&a);

        // An anonymous visitor is asked to log in.
        let visitor = browser(&driver, "visitor").await;
        visitor.goto(&app.url(&page)).await.unwrap();
        let text = body_text(&visitor).await;
        assert!(text.contains("Please log in to upload a file."), "{text}");
        assert!(text.contains("There are no updates yet."));
        assert!(visitor.find(Locator::Css("form.upload")).await.is_err(), "no upload form");
        visitor.close().await.unwrap();

        // A contributor signs in, chooses a PDF and a JPEG, writes a note and clicks Upload.
        let files = tempfile::tempdir().unwrap();
        let letter = files.path().join("minister-letter.pdf");
        let photo = files.path().join("harbour.jpg");
        std::fs::write(&letter, pdf()).unwrap();
        std::fs::write(&photo, JPEG).unwrap();
        let cora = browser(&driver, "cora").await;
        sign_in(&cora, &app, "cora", &page).await;
        assert!(
            cora.find(Locator::Css("form.upload p.drop-zone")).await.is_ok(),
            "the upload script enhanced the form"
        );
        assert!(cora.find(Locator::Css("form.upload progress")).await.is_ok());
        cora.find(Locator::Id("note"))
            .await
            .unwrap()
            .send_keys("The minister's letter, and the harbour this morning.")
            .await
            .unwrap();
        let input = cora.find(Locator::Id("files")).await.unwrap();
        input.send_keys(&format!("{}\n{}", letter.display(), photo.display())).await.unwrap();
        cora.find(Locator::Css("form.upload button[type=submit]")).await.unwrap().click().await.unwrap();
        wait_for_text(&cora, "minister-letter.pdf").await;
        let text = body_text(&cora).await;
        assert!(text.contains("harbour.jpg") && text.contains("The minister's letter"), "{text}");
        assert!(!text.contains("There are no updates yet."));
        let shot = cora.screenshot().await.unwrap();
        assert!(shot.starts_with(b"\x89PNG"), "the browser rendered the page");
        cora.close().await.unwrap();
        let timeline = app.store.timeline_for_article(a.id).await.unwrap();
        let types: Vec<_> = timeline[0].attachments.iter().map(|f| f.media_type.as_str()).collect();
        assert_eq!(types, ["application/pdf", "image/jpeg"]);

        // An editor hides it with a reason, and the audit log shows the act.
        let ed = browser(&driver, "ed").await;
        sign_in(&ed, &app, "ed", &page).await;
        ed.find(Locator::Css("form.moderate input[name=reason]"))
            .await
            .unwrap()
            .send_keys("Names a private individual")
            .await
            .unwrap();
        ed.find(Locator::Css("form.moderate button[type=submit]")).await.unwrap().click().await.unwrap();
        wait_for_text(&ed, "This update was hidden by an editor").await;
        assert!(body_text(&ed).await.contains("Reason: Names a private individual"));
        ed.find(Locator::LinkText("Audit log")).await.unwrap().click().await.unwrap();
        wait_for_text(&ed, "update.hide").await;
        let log = body_text(&ed).await;
        assert!(log.contains("Names a private individual") && log.contains("ed"), "{log}");
        ed.close().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_reader_searches_from_the_masthead_narrows_by_source_and_opens_a_result() {
        let Some(driver) = driver() else { return };
        let app = TestApp::spawn_searchable().await;
        let a = app.article().await;
        app.add_articles(&[("Ferry Fares Rise", Utc.with_ymd_and_hms(2024, 2, 1, 9, 0, 0).unwrap(), None)])
            .await;
        app.search_until("ferry", |t| t.len() == 2).await;

        let reader = browser(&driver, "reader").await;
        reader.goto(&app.url("/")).await.unwrap();
        let field = reader.find(Locator::Css("form.site-search input[name=q]")).await.unwrap();
        field.send_keys("ferry talks").await.unwrap();
        reader
            .find(Locator::Css("form.site-search button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_text(&reader, "1 result").await;
        let marked = reader.find(Locator::Css("p.snippet b")).await.unwrap().text().await.unwrap();
        assert!(marked.eq_ignore_ascii_case("ferry") || marked.eq_ignore_ascii_case("talks"), "{marked}");
        assert!(!body_text(&reader).await.contains("Ferry Fares Rise"), "all words must match");

        // The facet narrows a broader search; the result opens the article.
        let field = reader.find(Locator::Id("search-q")).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys("ferry").await.unwrap();
        reader
            .find(Locator::Css("form.search-form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_text(&reader, "2 results").await;
        reader.find(Locator::LinkText("2024-03")).await.unwrap().click().await.unwrap();
        wait_for_text(&reader, "1 result").await;
        reader.find(Locator::LinkText("Ferry Talks Resume")).await.unwrap().click().await.unwrap();
        wait_for_text(&reader, "There are no updates yet.").await;
        assert_eq!(reader.current_url().await.unwrap().path(), TestApp::page_path(&a));
        reader.close().await.unwrap();
    }
}

#[tokio::test]
async fn repeated_sign_in_attempts_are_slowed_down() {
    let app = TestApp::spawn().await;
    app.add_user("ada", Role::Contributor).await;
    let client = TestApp::client();
    for _ in 0..10 {
        assert_eq!(app.login(&client, "ada", "wrong password here").await.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.login(&client, "ada", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits its turn");
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(res.text().await.unwrap().contains("Too many sign-in attempts. Please wait"));
    // Another account from the same address is not locked out by ada's guesser.
    app.add_user("bob", Role::Contributor).await;
    assert_eq!(app.login(&TestApp::client(), "bob", PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_revoked_session_stops_working_and_a_new_password_ends_the_others() {
    let app = TestApp::spawn().await;
    app.add_user("ada", Role::Contributor).await;
    let laptop = TestApp::client();
    let phone = TestApp::client();
    app.login(&laptop, "ada", PASSWORD).await;
    app.login(&phone, "ada", PASSWORD).await;
    let page = laptop.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert_eq!(page.matches("name=\"session\"").count(), 2, "both sessions are listed");
    assert!(page.contains("(this browser)"));
    // The laptop ends the phone's session: the one that is not "this browser".
    let session_refs: Vec<String> = page
        .match_indices("name=\"session\" value=\"")
        .map(|(i, m)| page[i + m.len()..].split('"').next().unwrap().to_owned())
        .collect();
    let phone_ref = session_refs
        .iter()
        .find(|r| {
            let row_start = page.find(r.as_str()).unwrap();
            !page[row_start.saturating_sub(700)..row_start].contains("(this browser)")
        })
        .unwrap()
        .clone();
    let res = laptop
        .post(app.url("/account/sessions/revoke"))
        .form(&[("csrf", form_token(&page).as_str()), ("session", phone_ref.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let phone_home = phone.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!phone_home.contains("Signed in as"), "the revoked session stopped working");
    assert!(laptop.get(app.url("/")).send().await.unwrap().text().await.unwrap().contains("Signed in as"));

    // A password change needs the current password and ends every other session.
    app.login(&phone, "ada", PASSWORD).await;
    let page = laptop.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let token = form_token(&page);
    let res = laptop
        .post(app.url("/account/password"))
        .form(&[
            ("csrf", token.as_str()),
            ("current", "not it at all"),
            ("new", "a brand new passphrase"),
            ("repeat", "a brand new passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("The current password is not right."));
    let res = laptop
        .post(app.url("/account/password"))
        .form(&[
            ("csrf", token.as_str()),
            ("current", PASSWORD),
            ("new", "a brand new passphrase"),
            ("repeat", "a brand new passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Your password is changed."));
    assert!(!phone.get(app.url("/")).send().await.unwrap().text().await.unwrap().contains("Signed in as"));
    assert!(
        laptop.get(app.url("/")).send().await.unwrap().text().await.unwrap().contains("Signed in as"),
        "this session stays"
    );
    assert_eq!(app.login(&TestApp::client(), "ada", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login(&TestApp::client(), "ada", "a brand new passphrase").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_near_duplicate_permalink_leads_to_the_first_copy_and_odd_requests_fail_cleanly() {
    let app = TestApp::spawn().await;
    let first = app.article().await;
    let other = app
        .store
        .insert_source(NewSource {
            name: "Other".into(),
            homepage: None,
            licence: Licence::CcBy4,
            credit: None,
        })
        .await
        .unwrap();
    let text = "<p>".to_owned() + &"word ".repeat(80) + "</p>";
    let mut batch = Vec::new();
    for (source, guid, title) in
        [(first.source_id, "orig", "Original Story"), (other.id, "copy", "Copied Story")]
    {
        batch.push((
            NewArticle {
                source_id: source,
                feed_id: None,
                guid: guid.into(),
                original_url: None,
                title: title.into(),
                author: None,
                summary: None,
                body_html: text.clone(),
                language: None,
                published_at: Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap(),
                updated_at: None,
                licence: Licence::CcBy4,
                normalized_url: None,
                simhash: Some(42),
                media: Vec::new(),
                tags: Vec::new(),
            },
            NewRetrieval {
                location: "file:///x".into(),
                retrieved_at: Utc::now(),
                http_status: None,
                sha256: "00".repeat(32),
            },
        ));
    }
    let out = app.store.insert_articles_with_retrieval(batch).await.unwrap();
    let freewire_core::InsertOutcome::NearDuplicate { id, .. } = out[1] else { panic!("{:?}", out[1]) };
    let copy = app.store.article_by_id(id).await.unwrap().unwrap().article;
    let client = TestApp::client();
    let res = client.get(app.url(&format!("/{}/", copy.permalink.path()))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.headers()["location"], "/2024/04/01/original-story/");

    assert_eq!(
        client.get(app.url("/?page=18446744073709551615")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(client.get(app.url("/?page=999999")).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // A tab in `next` would let a browser read "/\t/evil.example" as "//evil.example".
    app.add_user("ada", Role::Contributor).await;
    let page = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", "ada"),
            ("password", PASSWORD),
            ("csrf", &form_token(&page)),
            ("next", "/\t/evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn two_factor_sign_in_refuses_a_wrong_code_and_takes_the_right_one_or_a_recovery_code() {
    use freewire_core::totp;
    let now = || u64::try_from(Utc::now().timestamp()).unwrap();
    let app = TestApp::spawn().await;
    let ada = app.signed_in("ada").await;
    let account = ada.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(account.contains("Set up two-factor sign-in"));
    let token = form_token(&account);
    let setup = ada
        .post(app.url("/account/totp/setup"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"secret\" value=\"";
    let start = setup.find(marker).unwrap() + marker.len();
    let secret = setup[start..].split('"').next().unwrap().to_owned();
    assert!(setup.contains(&format!("otpauth://totp/Test%20Wire:ada?secret={secret}")), "{setup}");
    let res = ada
        .post(app.url("/account/totp/confirm"))
        .form(&[("csrf", token.as_str()), ("secret", secret.as_str()), ("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a wrong first code does not turn it on");
    let code = totp::code_at(&secret, now()).unwrap();
    let done = ada
        .post(app.url("/account/totp/confirm"))
        .form(&[("csrf", token.as_str()), ("secret", secret.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("Two-factor sign-in is on."), "{done}");
    let recovery: Vec<String> = done
        .match_indices("<li><code>")
        .map(|(i, m)| done[i + m.len()..].split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), totp::RECOVERY_CODES);

    // Signing in now takes a code after the password.
    let phone = TestApp::client();
    let res = app.login(&phone, "ada", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()["location"].to_str().unwrap().starts_with("/login/second-factor"));
    assert!(
        !phone.get(app.url("/")).send().await.unwrap().text().await.unwrap().contains("Signed in as"),
        "not yet"
    );
    let page = phone.get(app.url("/login/second-factor")).send().await.unwrap().text().await.unwrap();
    let pending_token = form_token(&page);
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 500_000) % 1_000_000);
    let res = phone
        .post(app.url("/login/second-factor"))
        .form(&[("csrf", pending_token.as_str()), ("code", wrong.as_str()), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("That code is not right."));
    assert!(!phone.get(app.url("/")).send().await.unwrap().text().await.unwrap().contains("Signed in as"));
    let res = phone
        .post(app.url("/login/second-factor"))
        .form(&[
            ("csrf", pending_token.as_str()),
            ("code", totp::code_at(&secret, now()).unwrap().as_str()),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        phone
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Signed in as <strong>ada</strong>")
    );

    // A recovery code works once.
    for (attempt, expected) in [(1, StatusCode::SEE_OTHER), (2, StatusCode::UNAUTHORIZED)] {
        let client = TestApp::client();
        app.login(&client, "ada", PASSWORD).await;
        let page = client.get(app.url("/login/second-factor")).send().await.unwrap().text().await.unwrap();
        let res = client
            .post(app.url("/login/second-factor"))
            .form(&[("csrf", form_token(&page).as_str()), ("code", recovery[0].as_str()), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected, "recovery attempt {attempt}");
    }
}

async fn register(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    invite: Option<&str>,
) -> reqwest::Response {
    let path = invite.map_or_else(|| "/register".to_owned(), |t| format!("/register?invite={t}"));
    let page = client.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
    client
        .post(app.url("/register"))
        .form(&[
            ("csrf", form_token(&page).as_str()),
            ("username", name),
            ("password", PASSWORD),
            ("repeat", PASSWORD),
            ("invite", invite.unwrap_or_default()),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn by_default_an_editors_invitation_link_makes_one_account() {
    let app = TestApp::spawn().await;
    let anon = TestApp::client();
    let res = anon.get(app.url("/register")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("You need an invitation"));

    app.add_user("ed", Role::Editor).await;
    let ed = TestApp::client();
    app.login(&ed, "ed", PASSWORD).await;
    let page = ed.get(app.url("/admin/invites")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("value=\"editor\""), "editors invite contributors only");
    let res = ed
        .post(app.url("/admin/invites"))
        .form(&[("csrf", form_token(&page).as_str()), ("role", "editor")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let made = ed
        .post(app.url("/admin/invites"))
        .form(&[("csrf", form_token(&page).as_str()), ("role", "contributor")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = made.find("/register?invite=").unwrap() + "/register?invite=".len();
    let token = made[start..].split('<').next().unwrap().to_owned();

    let newcomer = TestApp::client();
    let res = register(&app, &newcomer, "nora", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        newcomer
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Signed in as <strong>nora</strong>")
    );
    assert_eq!(app.store.user_by_name("nora").await.unwrap().unwrap().role, Role::Contributor);
    let again = TestApp::client().get(app.url(&format!("/register?invite={token}"))).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::FORBIDDEN, "an invitation works once");
    let log = ed.get(app.url("/admin/audit")).send().await.unwrap().text().await.unwrap();
    assert!(log.contains("invite.create"));
}

#[tokio::test]
async fn open_registration_takes_anyone_and_closed_takes_no_one() {
    let open = TestApp::spawn_with(|c| c.registration = freewire_core::Registration::Open).await;
    let client = TestApp::client();
    assert!(
        client.get(open.url("/")).send().await.unwrap().text().await.unwrap().contains("Create an account")
    );
    let res = register(&open, &client, "x", None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a one-letter name is refused");
    let res = register(&open, &client, "walker", None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = register(&open, &TestApp::client(), "walker", None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("exists already; choose another name"));

    let closed = TestApp::spawn_with(|c| c.registration = freewire_core::Registration::Closed).await;
    let res = TestApp::client().get(closed.url("/register")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Registration is closed"));
}

#[tokio::test]
async fn the_daily_upload_allowance_holds() {
    let app = TestApp::spawn_with(|c| c.updates.daily_upload_quota_bytes = 300).await;
    let a = app.article().await;
    let ada = app.signed_in("ada").await;
    post_update(&app, &ada, &a, "first", vec![("a.txt", vec![b'a'; 200], "text/plain")]).await;
    let page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let res = ada
        .post(app.url(&format!("/articles/{}/updates", a.id)))
        .multipart(upload_form(
            Some(&form_token(&page)),
            "second",
            vec![("b.txt", vec![b'b'; 200], "text/plain")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.text().await.unwrap().contains("upload allowance of 300 bytes a day (200 bytes used"));
    assert_eq!(app.timeline_len(a.id).await, 1);
    assert_eq!(app.stored_files().len(), 1);
    // A note without files is not held back by the allowance.
    post_update(&app, &ada, &a, "just words", vec![]).await;
}

/// The upload path against S3-compatible storage: a real S3-protocol server on loopback, named
/// by `FREEWIRE_TEST_S3_ENDPOINT` (with `_BUCKET`, `_ACCESS_KEY`, `_SECRET_KEY`); `.ci/run`
/// starts one. Without it this skips, and fails under `CI=true`.
mod s3 {
    use super::*;
    use futures_util::TryStreamExt;
    use object_store::ObjectStore;

    async fn keys_under(bucket: &str, settings: &freewire_store::S3Settings, prefix: &str) -> Vec<String> {
        let store = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(&settings.region)
            .with_endpoint(settings.endpoint.clone().unwrap())
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .with_access_key_id(settings.access_key_id.clone().unwrap())
            .with_secret_access_key(settings.secret_access_key.clone().unwrap())
            .build()
            .unwrap();
        let listed: Vec<_> =
            store.list(Some(&object_store::path::Path::from(prefix))).try_collect().await.unwrap();
        listed.into_iter().map(|m| m.location.to_string()).collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn uploads_round_trip_through_s3_compatible_storage() {
        let Some((bucket, settings)) = freewire_store::testing::s3_test_server() else { return };
        let _ = rustls::crypto::ring::default_provider().install_default();
        let prefix = freewire_store::testing::unique_prefix();
        let blobs = Arc::new(ObjectBlobStore::s3(&format!("s3://{bucket}/{prefix}"), &settings).unwrap());
        let app = TestApp::spawn_full(|c| c.updates.max_upload_bytes = 4096, Some(blobs)).await;
        let a = app.article().await;
        let ada = app.signed_in("ada").await;

        let id = post_update(
            &app,
            &ada,
            &a,
            "files",
            vec![("letter.pdf", pdf(), "application/pdf"), ("map.png", PNG.to_vec(), "image/png")],
        )
        .await;
        assert_eq!(
            keys_under(&bucket, &settings, &prefix).await.len(),
            3,
            "both files and the PNG's preview are in the bucket"
        );
        let files = app.store.timeline_for_article(a.id).await.unwrap()[0].attachments.clone();
        for (file, bytes) in [(&files[0], pdf()), (&files[1], PNG.to_vec())] {
            let res = TestApp::client()
                .get(app.url(&format!("/files/{}/{}", file.id, file.file_name)))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(res.headers()["x-content-type-options"], "nosniff");
            assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());
        }

        // Refusals leave nothing in the bucket.
        let page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
        for (name, bytes, status) in [
            ("big.pdf", vec![b'%'; 5000], StatusCode::PAYLOAD_TOO_LARGE),
            (
                "letter.pdf",
                b"<!DOCTYPE html><script>alert(1)</script>".to_vec(),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
        ] {
            let res = ada
                .post(app.url(&format!("/articles/{}/updates", a.id)))
                .multipart(upload_form(Some(&form_token(&page)), "x", vec![(name, bytes, "application/pdf")]))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), status, "{name}");
        }
        assert_eq!(keys_under(&bucket, &settings, &prefix).await.len(), 3, "refused uploads stored nothing");

        // Deleting the update removes its objects.
        let page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
        let res = ada
            .post(app.url(&format!("/updates/{id}/delete")))
            .form(&[("csrf", form_token(&page).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(
            keys_under(&bucket, &settings, &prefix).await.is_empty(),
            "the update's files left the bucket"
        );
    }
}

#[tokio::test]
async fn identical_files_are_stored_once_and_kept_while_any_update_uses_them() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let ada = app.signed_in("ada").await;
    let first = post_update(&app, &ada, &a, "one", vec![("letter.pdf", pdf(), "application/pdf")]).await;
    let second =
        post_update(&app, &ada, &a, "two", vec![("same-letter.pdf", pdf(), "application/pdf")]).await;
    assert_eq!(app.stored_files().len(), 1, "the same bytes are stored once");
    let timeline = app.store.timeline_for_article(a.id).await.unwrap();
    assert_eq!(timeline[0].attachments[0].file_name, "same-letter.pdf", "each keeps its own name");
    let page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let token = form_token(&page);
    ada.post(app.url(&format!("/updates/{first}/delete")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(app.stored_files().len(), 1, "still used by the other update");
    let file = &app.store.timeline_for_article(a.id).await.unwrap()[0].attachments[0];
    let res = TestApp::client()
        .get(app.url(&format!("/files/{}/{}", file.id, file.file_name)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.bytes().await.unwrap().as_ref(), pdf().as_slice());
    ada.post(app.url(&format!("/updates/{second}/delete")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(app.stored_files().is_empty(), "freed with its last use");
}

#[tokio::test]
async fn uploaded_images_get_a_small_preview_that_leaves_with_them() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let ada = app.signed_in("ada").await;
    let big = {
        let img =
            image::RgbImage::from_fn(1200, 900, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 40]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let id = post_update(&app, &ada, &a, "a photo", vec![("harbour.png", big, "image/png")]).await;
    assert_eq!(app.stored_files().len(), 2, "the image and its preview");
    let file = app.store.timeline_for_article(a.id).await.unwrap()[0].attachments[0].clone();
    let page =
        TestApp::client().get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("<img src=\"/thumbnails/{}\"", file.id)), "the page shows the preview");
    let res = TestApp::client().get(app.url(&format!("/thumbnails/{}", file.id))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let preview = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((preview.width(), preview.height()), (480, 360));
    let page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    ada.post(app.url(&format!("/updates/{id}/delete")))
        .form(&[("csrf", form_token(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert!(app.stored_files().is_empty(), "the preview leaves with the image");
    assert_eq!(
        TestApp::client().get(app.url(&format!("/thumbnails/{}", file.id))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

/// Object storage that fails on its n-th write, as a full disk or an unreachable S3 would.
struct FailingBlobs {
    inner: ObjectBlobStore,
    fail_on: usize,
    writes: std::sync::atomic::AtomicUsize,
}

impl FailingBlobs {
    fn check(&self) -> Result<(), freewire_core::BlobError> {
        let n = self.writes.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if n == self.fail_on {
            return Err(freewire_core::BlobError::Backend {
                context: "storing a file",
                message: "disk full".into(),
            });
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl freewire_core::BlobStore for FailingBlobs {
    async fn put(&self, key: &str, bytes: bytes::Bytes) -> Result<(), freewire_core::BlobError> {
        self.check()?;
        self.inner.put(key, bytes).await
    }
    async fn writer(
        &self,
        key: &str,
    ) -> Result<Box<dyn freewire_core::BlobWriter>, freewire_core::BlobError> {
        self.check()?;
        self.inner.writer(key).await
    }
    async fn get(&self, key: &str) -> Result<bytes::Bytes, freewire_core::BlobError> {
        self.inner.get(key).await
    }
    async fn read(
        &self,
        key: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<freewire_core::BlobRead, freewire_core::BlobError> {
        self.inner.read(key, range).await
    }
    async fn delete(&self, key: &str) -> Result<(), freewire_core::BlobError> {
        self.inner.delete(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<freewire_core::BlobMeta>, freewire_core::BlobError> {
        self.inner.list(prefix).await
    }
    async fn remove_unfinished(
        &self,
        before: DateTime<Utc>,
    ) -> Result<Vec<String>, freewire_core::BlobError> {
        self.inner.remove_unfinished(before).await
    }
}

#[tokio::test]
async fn a_failed_object_write_leaves_neither_rows_nor_files() {
    let dir = tempfile::tempdir().unwrap();
    let uploads = dir.path().join("objects");
    let blobs = Arc::new(FailingBlobs {
        inner: ObjectBlobStore::local(&uploads).unwrap(),
        fail_on: 2,
        writes: std::sync::atomic::AtomicUsize::new(0),
    });
    let app = TestApp::spawn_full(|_| {}, Some(blobs)).await;
    let a = app.article().await;
    let ada = app.signed_in("ada").await;
    let page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let res = ada
        .post(app.url(&format!("/articles/{}/updates", a.id)))
        .multipart(upload_form(
            Some(&form_token(&page)),
            "two files",
            vec![("letter.pdf", pdf(), "application/pdf"), ("map.png", PNG.to_vec(), "image/png")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("nothing was saved") && body.contains("try again"),
        "what happened and what to do: {body}"
    );
    assert!(!body.contains("disk full"), "the cause goes to the log, not the page: {body}");
    assert_eq!(app.timeline_len(a.id).await, 0, "no row for a half-stored update");
    assert!(files_under(&uploads).is_empty(), "the file stored before the failure was removed");
}

/// Adds an update straight to the database, as another process on it would.
async fn add_update_elsewhere(app: &TestApp, a: &Article, author: &str, body: &str) {
    let author_id = app.store.user_by_name(author).await.unwrap().unwrap().id;
    app.store
        .insert_update_with_attachments(
            freewire_core::NewUpdate { article_id: a.id, author_id, body: body.into() },
            Vec::new(),
        )
        .await
        .unwrap();
}

async fn anonymous_page(app: &TestApp, a: &Article) -> String {
    let res = TestApp::client().get(app.url(&TestApp::page_path(a))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

#[tokio::test]
async fn an_anonymous_page_is_reused_until_a_change_through_this_process() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let reader = app.signed_in("ada").await;
    let first = anonymous_page(&app, &a).await;
    assert!(first.contains("There are no updates yet."));

    // Written behind this process's back, with no search follower to report it: visitors who
    // are not signed in get the page kept. Signed-in readers' pages are drawn for them (their
    // name, their form token) from the article's parts, kept under the same rule.
    add_update_elsewhere(&app, &a, "ada", "Noted from another process.").await;
    assert_eq!(anonymous_page(&app, &a).await, first, "the kept page is served");
    let own = reader.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    assert!(own.contains("ada") && own.contains("There are no updates yet."), "{own}");
    assert!(!own.contains("Noted from another process."), "the kept parts are used");
    assert!(!own.contains("Please log in to upload a file."), "{own}");

    // A change made through this process puts the page out of date at once.
    post_update(&app, &reader, &a, "Posted through the site.", Vec::new()).await;
    let now = anonymous_page(&app, &a).await;
    assert!(now.contains("Posted through the site.") && now.contains("Noted from another process."), "{now}");
    assert!(!now.contains("There are no updates yet."));

    // Conditional requests are answered from the kept page's validators.
    let res = TestApp::client().get(app.url(&TestApp::page_path(&a))).send().await.unwrap();
    let etag = res.headers()["etag"].clone();
    assert_eq!(res.headers()["cache-control"], "public, max-age=60");
    let again = TestApp::client()
        .get(app.url(&TestApp::page_path(&a)))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn an_update_puts_only_its_articles_story_out_of_date_and_every_list() {
    let app = TestApp::spawn().await;
    let [first, second, orchard] = <[Article; 3]>::try_from(app.add_story().await).unwrap();
    assert_eq!(first.story_id, second.story_id, "the two ferry reports are one story");
    assert_ne!(first.story_id, orchard.story_id);
    let reader = app.signed_in("ada").await;
    let home = || async { TestApp::client().get(app.url("/")).send().await.unwrap().text().await.unwrap() };
    let (kept_first, kept_orchard, kept_home) =
        (anonymous_page(&app, &first).await, anonymous_page(&app, &orchard).await, home().await);

    // Written behind this process's back, with no search follower to report them.
    for a in [&first, &orchard] {
        add_update_elsewhere(&app, a, "ada", &format!("Noted elsewhere on {}.", a.title)).await;
    }
    app.add_articles(&[("Harbour Strike Ends", Utc::now() - chrono::Duration::hours(1), None)]).await;
    assert_eq!(anonymous_page(&app, &orchard).await, kept_orchard, "kept");
    assert_eq!(home().await, kept_home, "kept");
    // An update posted here to the second report: its page, the pages its story's line is on,
    // and every list are rendered afresh; the orchard's page is still the kept one.
    post_update(&app, &reader, &second, "Posted to the second report.", Vec::new()).await;
    assert!(anonymous_page(&app, &second).await.contains("Posted to the second report."));
    let now_first = anonymous_page(&app, &first).await;
    assert_ne!(now_first, kept_first);
    assert!(now_first.contains(&format!("Noted elsewhere on {}.", first.title)), "{now_first}");
    assert_eq!(anonymous_page(&app, &orchard).await, kept_orchard, "another story's page stays kept");
    assert!(home().await.contains("Harbour Strike Ends"), "lists show every article: rendered afresh");

    // Any other change through this process (here a sign-out) makes everything out of date.
    let own = reader.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    reader.post(app.url("/logout")).form(&[("csrf", form_token(&own))]).send().await.unwrap();
    assert!(anonymous_page(&app, &orchard).await.contains(&format!("Noted elsewhere on {}.", orchard.title)));
}

#[tokio::test]
async fn a_session_ended_by_another_process_stops_working_within_seconds() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let reader = app.signed_in("ada").await;
    let page =
        || async { reader.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap() };
    assert!(!page().await.contains("Please log in to upload a file."), "signed in");
    // Ended behind this process's back (another replica, the command line): the session this
    // process looked up a moment ago is taken as it was for at most two seconds.
    let ada = app.store.user_by_name("ada").await.unwrap().unwrap().id;
    for s in app.store.sessions_for_user(ada, chrono::Utc::now()).await.unwrap() {
        app.store.delete_session(&s.token_hash).await.unwrap();
    }
    let ended = std::time::Instant::now();
    loop {
        if page().await.contains("Please log in to upload a file.") {
            break;
        }
        assert!(
            ended.elapsed() < std::time::Duration::from_secs(4),
            "still signed in after {:?}",
            ended.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_anonymous_page_follows_changes_made_by_other_processes() {
    let app = TestApp::spawn_searchable().await;
    let a = app.article().await;
    app.add_user("ada", Role::Contributor).await;
    assert!(anonymous_page(&app, &a).await.contains("There are no updates yet."));
    add_update_elsewhere(&app, &a, "ada", "Noted from another process.").await;
    // The search follower reads the change sequence every 200 ms here; the page follows it.
    app.page_showing(&TestApp::page_path(&a), "Noted from another process.").await;
}

#[tokio::test]
async fn with_no_page_kept_every_request_is_rendered() {
    let app = TestApp::spawn_with(|c| c.keep_pages_for = std::time::Duration::ZERO).await;
    let a = app.article().await;
    app.add_user("ada", Role::Contributor).await;
    assert!(anonymous_page(&app, &a).await.contains("There are no updates yet."));
    add_update_elsewhere(&app, &a, "ada", "Noted from another process.").await;
    assert!(anonymous_page(&app, &a).await.contains("Noted from another process."));
}

#[tokio::test]
async fn lists_are_kept_for_visitors_too() {
    let app = TestApp::spawn().await;
    let reader = app.signed_in("ada").await;
    app.add_articles(&[("Ferry Talks Resume", Utc::now() - chrono::Duration::hours(2), None)]).await;
    let home = || async { TestApp::client().get(app.url("/")).send().await.unwrap().text().await.unwrap() };
    let first = home().await;
    assert!(first.contains("Ferry Talks Resume"));
    // Stored behind this process's back, with no search follower to report it.
    app.add_articles(&[("Harbour Strike Ends", Utc::now() - chrono::Duration::hours(1), None)]).await;
    assert_eq!(home().await, first, "the kept list is served");
    let own = reader.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(own.contains("Harbour Strike Ends"), "signed-in readers' lists are rendered each time");
    // Any change through this process: the next visitor gets a fresh list.
    reader.post(app.url("/logout")).form(&[("csrf", form_token(&own))]).send().await.unwrap();
    assert!(home().await.contains("Harbour Strike Ends"));
}

/// A PDF-typed file of `len` bytes that differ at every offset, so a misplaced range shows.
fn patterned_pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((bytes.len()..len).map(|i| (i % 251) as u8));
    bytes
}

#[tokio::test]
async fn downloads_answer_byte_ranges_so_audio_and_video_can_seek() {
    let app = TestApp::spawn().await;
    let a = app.article().await;
    let ada = app.signed_in("ada").await;
    let bytes = patterned_pdf(100_000);
    post_update(&app, &ada, &a, "a long file", vec![("long.pdf", bytes.clone(), "application/pdf")]).await;
    let file = app.store.timeline_for_article(a.id).await.unwrap().remove(0).attachments.remove(0);
    let url = app.url(&format!("/files/{}/{}", file.id, file.file_name));
    let client = TestApp::client();
    let get = |range: Option<&str>, if_range: Option<&str>| {
        let mut req = client.get(&url);
        if let Some(r) = range {
            req = req.header("range", r);
        }
        if let Some(t) = if_range {
            req = req.header("if-range", t);
        }
        req.send()
    };

    let whole = get(None, None).await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()["accept-ranges"], "bytes", "clients learn they may ask for ranges");
    assert_eq!(whole.headers()["content-length"], "100000");
    let etag = whole.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let head = get(Some("bytes=0-99"), None).await.unwrap();
    assert_eq!(head.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(head.headers()["content-range"], "bytes 0-99/100000");
    assert_eq!(head.headers()["content-length"], "100");
    assert_eq!(head.headers()["x-content-type-options"], "nosniff", "ranges keep the file's protections");
    assert_eq!(head.bytes().await.unwrap().as_ref(), &bytes[..100]);

    let middle = get(Some("bytes=50000-50999"), Some(&etag)).await.unwrap();
    assert_eq!(middle.status(), StatusCode::PARTIAL_CONTENT, "If-Range with the current tag keeps the range");
    assert_eq!(middle.bytes().await.unwrap().as_ref(), &bytes[50_000..51_000]);

    let tail = get(Some("bytes=-10"), None).await.unwrap();
    assert_eq!(tail.headers()["content-range"], "bytes 99990-99999/100000");
    assert_eq!(tail.bytes().await.unwrap().as_ref(), &bytes[99_990..]);

    let beyond = get(Some("bytes=100000-"), None).await.unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(beyond.headers()["content-range"], "bytes */100000");

    let changed = get(Some("bytes=0-99"), Some("\"another-version\"")).await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK, "If-Range naming another version gets the whole file");
    assert_eq!(changed.bytes().await.unwrap().len(), 100_000);
}

#[tokio::test]
async fn a_client_that_goes_away_mid_upload_leaves_no_file_behind() {
    use tokio::io::AsyncWriteExt;

    let app = TestApp::spawn().await;
    let a = app.article().await;
    app.add_user("ada", Role::Contributor).await;
    let client = TestApp::client();
    let login = app.login(&client, "ada", PASSWORD).await;
    let session = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("fw_session="))
        .unwrap();
    let page = client.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let token = form_token(&page);

    // A 20 MB file announced, 6 MB of it sent: several parts written, then the connection drops.
    let boundary = "freewire-test-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    );
    let announced = head.len() + 20_000_000 + boundary.len() + 8;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "POST /articles/{}/updates HTTP/1.1\r\nHost: {addr}\r\nCookie: {session}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {announced}\r\n\r\n",
        a.id
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let body = patterned_pdf(6_000_000);
    for chunk in body.chunks(64 * 1024) {
        stream.write_all(chunk).await.unwrap();
    }
    stream.flush().await.unwrap();
    // The upload is under way: its parts are in the upload folder.
    let mut started = false;
    for _ in 0..100 {
        if !app.stored_files().is_empty() {
            started = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(started, "the file was being written when the client left");
    drop(stream);

    let mut left = app.stored_files();
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        left = app.stored_files();
    }
    assert!(left.is_empty(), "nothing of the abandoned upload stays: {left:?}");
    assert_eq!(app.timeline_len(a.id).await, 0);
}
