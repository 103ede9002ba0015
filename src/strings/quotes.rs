//! Words about quote posts (FEP-044f): who may quote a post, in the editor and in the
//! site's settings.

use super::{Text, texts};

texts! {
    QUOTES_LEGEND => "Kutipan di fediverse", "Quotes on the fediverse";
    QUOTE_POLICY_LABEL => "Siapa boleh mengutip kabar ini", "Who may quote this post";
    QUOTE_POLICY_SITE_DEFAULT => "Sesuai pengaturan situs", "As the site's setting says";
    QUOTE_POLICY_PUBLIC => "Semua orang", "Everyone";
    QUOTE_POLICY_FOLLOWERS => "Hanya pengikut", "Followers only";
    QUOTE_POLICY_NOBODY => "Tidak seorang pun (hanya {desa} ini sendiri)", "Nobody (only this {village} itself)";
    QUOTE_POLICY_HINT => "Mastodon dan server lain meminta izin sebelum mengutip kabar; situs ini menjawab sendiri menurut pilihan ini. Menghapus kabar mencabut semua izin kutipnya.", "Mastodon and other servers ask before they quote a post; this site answers by itself as chosen here. Deleting a post withdraws every permission to quote it.";
    SETTINGS_QUOTE_POLICY => "Siapa boleh mengutip kabar baru", "Who may quote new posts";
    QUOTE_POLICY_INVALID => "Pilihan kutipan harus public, followers atau nobody", "The quote setting must be public, followers or nobody";
}
