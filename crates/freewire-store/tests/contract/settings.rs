//! [`SettingStore`](freewire_core::SettingStore): site settings.

use freewire_core::store::prelude::*;

use crate::Fixture;

async fn settings_keep_the_first_value_written(f: &Fixture) {
    let s = &f.store;
    assert_eq!(s.setting_by_key("secret").await.unwrap(), None);
    assert_eq!(s.setting_or_insert("secret", "one").await.unwrap(), "one");
    assert_eq!(s.setting_or_insert("secret", "two").await.unwrap(), "one");
    assert_eq!(s.setting_by_key("secret").await.unwrap().as_deref(), Some("one"));
}

contract!(settings_keep_the_first_value_written,);
