//! What of a resident's text may be shown publicly: HTML cleaned to a small set of
//! tags (no images, no classes, links marked `ugc`), and NIK-like numbers masked. Pure
//! functions, applied on the way out to every public page; the stored message (and the
//! admin, where staff need the original) is untouched.

/// Digits a NIK has: 6 for the region, 6 for the birth date (day + 40 for women), 4 for
/// the serial number.
const NIK_DIGITS: usize = 16;

/// Characters people put between groups of digits: `3201 0123 4567 0001`,
/// `3201.0123.4567.0001`, `3201-0123-...`, `3201/0123/...`, `3201_0123_...`, with
/// no-break, thin or ideographic spaces, any kind of hyphen or dash, and the fullwidth
/// forms a phone keyboard in CJK mode types.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '.'
            | '-'
            | '/'
            | '_'
            | '\u{a0}'
            | '\u{2009}'
            | '\u{202f}'
            | '\u{3000}'
            | '\u{ad}'
            | '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{fe63}'
                | '\u{ff0d}'
                | '\u{ff0e}'
                | '\u{ff0f}'
                | '\u{ff3f}'
    )
}

/// A digit as people may type it: ASCII, fullwidth (`３２０１`), or the Arabic-Indic and
/// Devanagari digits some keyboards give.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
        || ('\u{ff10}'..='\u{ff19}').contains(&c)
        || ('\u{660}'..='\u{669}').contains(&c)
        || ('\u{6f0}'..='\u{6f9}').contains(&c)
        || ('\u{966}'..='\u{96f}').contains(&c)
}

/// Characters that show nothing (zero-width spaces and joiners, the word joiner, a
/// byte-order mark): digits on either side of one read as written together.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
    )
}

/// Masks every NIK-like number in `text`: 16 digits, written together or in groups
/// separated by single separators (see [`is_separator`]). Every digit becomes `*` and
/// the separators stay, so a reader sees that a number was there and nothing of it.
///
/// Nothing is kept, not even the last four digits: the first twelve give away the
/// region and the birth date, and on a village site, next to the resident's name, the
/// serial narrows the rest down to one person; the public gains nothing from any part
/// of it, and staff read the original in the admin.
///
/// Shorter numbers are left alone: telephone numbers (10–13 digits), dates, amounts,
/// RT/RW numbers. In a run of groups longer than 16 digits, every span of whole groups
/// that adds up to 16 digits is masked, so a NIK written after a telephone number is
/// hidden whole (erring on the side of hiding); one unbroken run of more than 16 digits
/// is not a NIK and is left alone. In HTML, digits split by tags
/// (`3201<b>0123</b>…`) count as groups too.
pub fn mask_nik(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    // Invisible characters are left out, so the digits around one join up as digits
    // split by a tag do.
    let every: Vec<usize> = (0..chars.len())
        .filter(|&at| !is_invisible(chars[at]))
        .collect();
    mask_runs(&mut chars, &every);
    let outside_tags = text_positions(&chars);
    if outside_tags.len() < chars.len() {
        mask_runs(&mut chars, &outside_tags);
    }
    chars.into_iter().collect()
}

/// The positions of the characters of `chars` that are not inside `<…>`.
fn text_positions(chars: &[char]) -> Vec<usize> {
    let mut inside = false;
    let mut positions = Vec::with_capacity(chars.len());
    for (at, &c) in chars.iter().enumerate() {
        match c {
            '<' => inside = true,
            '>' if inside => inside = false,
            c if !inside && !is_invisible(c) => positions.push(at),
            _ => {}
        }
    }
    positions
}

/// Masks NIK-like numbers among the characters at `positions` (in order). Two digits
/// whose positions are not next to each other (a tag between them) are two groups.
fn mask_runs(chars: &mut [char], positions: &[usize]) {
    let digit = |k: usize| positions.get(k).is_some_and(|&at| is_digit(chars[at]));
    let mut hidden: Vec<usize> = Vec::new();
    let mut k = 0;
    while k < positions.len() {
        if !digit(k) || (k > 0 && digit(k - 1) && positions[k - 1] + 1 == positions[k]) {
            k += 1;
            continue;
        }
        // The groups of one run, as ranges of `positions`.
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut at = k;
        loop {
            let start = at;
            at += 1;
            while digit(at) && positions[at - 1] + 1 == positions[at] {
                at += 1;
            }
            groups.push((start, at));
            if digit(at) {
                // Split by a tag: the next group starts right here.
                continue;
            }
            let separated =
                at < positions.len() && is_separator(chars[positions[at]]) && digit(at + 1);
            if !separated {
                break;
            }
            at += 1;
        }
        for first in 0..groups.len() {
            let mut digits = 0;
            let mut last = first;
            while last < groups.len() && digits < NIK_DIGITS {
                digits += groups[last].1 - groups[last].0;
                last += 1;
            }
            if digits == NIK_DIGITS {
                for &(start, end) in &groups[first..last] {
                    hidden.extend_from_slice(&positions[start..end]);
                }
            }
        }
        k = at.max(k + 1);
    }
    for position in hidden {
        chars[position] = '*';
    }
}

/// A resident's HTML as the public may see it: cleaned to text formatting and links
/// (no images or media that would make readers' browsers call other servers, no
/// classes or styles), links marked `nofollow noopener noreferrer ugc`, NIK-like
/// numbers masked in the text and in attributes (a `tel:` or profile link may carry one).
pub fn public_html(html: &str) -> String {
    let cleaned = ammonia::Builder::default()
        .tags(
            [
                "p",
                "br",
                "a",
                "span",
                "strong",
                "b",
                "em",
                "i",
                "u",
                "del",
                "s",
                "ul",
                "ol",
                "li",
                "blockquote",
                "code",
                "pre",
            ]
            .into_iter()
            .collect(),
        )
        .generic_attributes(std::collections::HashSet::new())
        .link_rel(Some("nofollow noopener noreferrer ugc"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(html)
        .to_string();
    // Ammonia writes text with only `&`, `<`, `>`, `"` and no-break spaces escaped, so
    // digits are never hidden behind character references here.
    mask_nik(&cleaned.replace("&nbsp;", "\u{a0}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A NIK as people type it: 16 digits in groups of 4, 6 or 16, with a separator.
    fn typed_nik() -> impl Strategy<Value = (String, String)> {
        (
            "[0-9]{16}",
            prop::sample::select(vec!["", " ", ".", "-", "_", "\u{200b}", "\u{a0}", "–"]),
            prop::sample::select(vec![4usize, 6, 16]),
        )
            .prop_map(|(digits, separator, group)| {
                let chars: Vec<char> = digits.chars().collect();
                let typed = chars
                    .chunks(group)
                    .map(|c| c.iter().collect::<String>())
                    .collect::<Vec<_>>()
                    .join(separator);
                (digits, typed)
            })
    }

    proptest! {
        #![proptest_config(crate::fuzzing::config(512))]

        /// Masking keeps the text's length and masks nothing twice, whatever the text.
        #[test]
        fn masking_any_text_keeps_its_length_and_is_stable(text in ".{0,200}") {
            let masked = mask_nik(&text);
            prop_assert_eq!(masked.chars().count(), text.chars().count());
            prop_assert_eq!(mask_nik(&masked), masked.clone());
            let _ = public_html(&text);
        }

        /// A NIK typed in a sentence never reaches the public, whatever its separators.
        #[test]
        fn a_typed_nik_in_a_sentence_is_masked(
            (digits, typed) in typed_nik(),
            before in "[a-zA-Z ,.:]{0,30}",
            after in "[a-zA-Z ,.:]{0,30}",
        ) {
            let text = format!("{before} NIK {typed} {after}");
            let masked = mask_nik(&text);
            let kept: String = masked.chars().filter(|c| c.is_ascii_digit()).collect();
            prop_assert!(!kept.contains(&digits[..8]), "{masked}");
            let html = public_html(&format!("<p>{text}</p>"));
            prop_assert!(!html.contains(&typed), "{html}");
        }
    }

    #[test]
    fn a_nik_written_together_is_masked() {
        assert_eq!(
            mask_nik("NIK saya 3201012345670001, mohon dibantu."),
            "NIK saya ****************, mohon dibantu."
        );
    }

    #[test]
    fn a_nik_in_groups_is_masked_with_its_separators_kept() {
        assert_eq!(mask_nik("3201 0123 4567 0001"), "**** **** **** ****");
        assert_eq!(mask_nik("3201.0123.4567.0001"), "****.****.****.****");
        assert_eq!(mask_nik("320101-234567-0001"), "******-******-****");
        assert_eq!(
            mask_nik("3201\u{a0}0123\u{a0}4567\u{a0}0001"),
            "****\u{a0}****\u{a0}****\u{a0}****"
        );
    }

    #[test]
    fn a_nik_after_a_telephone_number_is_masked_whole() {
        assert_eq!(
            mask_nik("0812 3456 7890 3201 0123 4567 0001"),
            "**** **** **** **** **** **** ****"
        );
        assert_eq!(mask_nik("3201/0123/4567/0001"), "****/****/****/****");
    }

    #[test]
    fn a_nik_typed_in_other_digits_or_with_invisible_or_other_separators_is_masked() {
        assert_eq!(
            mask_nik("NIK ３２０１０１２３４５６７０００１."),
            "NIK ****************."
        );
        assert_eq!(
            mask_nik("3201\u{200b}0123\u{200b}4567\u{200b}0001"),
            "****\u{200b}****\u{200b}****\u{200b}****"
        );
        assert_eq!(
            mask_nik("3\u{200d}201012345670001"),
            "*\u{200d}***************"
        );
        assert_eq!(mask_nik("3201_0123_4567_0001"), "****_****_****_****");
        assert_eq!(mask_nik("3201–0123–4567–0001"), "****–****–****–****");
        assert_eq!(mask_nik("3201—0123—4567—0001"), "****—****—****—****");
        assert_eq!(mask_nik("3201－0123－4567－0001"), "****－****－****－****");
        assert_eq!(mask_nik("٣٢٠١٠١٢٣٤٥٦٧٠٠٠١"), "****************");
        // Still not a NIK: a telephone number with a zero-width space in it.
        assert_eq!(
            mask_nik("0812\u{200b}3456\u{200b}7890"),
            "0812\u{200b}3456\u{200b}7890"
        );
    }

    #[test]
    fn a_nik_split_by_tags_is_masked() {
        let html = public_html("<p>NIK 3201<b>0123</b>45670001 ya</p>");
        assert!(!html.chars().any(|c| c.is_ascii_digit()), "{html}");
        assert!(html.contains("****<b>****</b>********"), "{html}");
    }

    #[test]
    fn a_nik_followed_by_another_number_is_still_masked() {
        assert_eq!(mask_nik("3201012345670001 2024"), "**************** 2024");
        assert_eq!(
            mask_nik("RT 03 3201012345670001."),
            "RT 03 ****************."
        );
    }

    #[test]
    fn phone_numbers_dates_and_amounts_are_left_alone() {
        for text in [
            "Telepon 0812-3456-7890 atau 081234567890123",
            "+62 812 3456 7890",
            "Tanggal 17-08-2026, pukul 10.30",
            "Biaya Rp 1.500.000 untuk 250 KK",
            "RT 03 RW 05, 2026-11-28",
            "no. 12345678901234567890 (20 angka)",
            "3201012345670001x9",
        ] {
            let masked = mask_nik(text);
            if text.starts_with("3201") {
                // Sixteen digits, then a letter: still a NIK.
                assert_eq!(masked, "****************x9");
            } else {
                assert_eq!(masked, text);
            }
        }
    }

    #[test]
    fn public_html_masks_text_and_attributes_and_drops_scripts_and_images() {
        let html = public_html(
            "<p class=\"x\" onclick=\"alert(1)\">NIK 3201012345670001 \
             <a href=\"https://example.org/?nik=3201-0123-4567-0001\">cek</a>\
             <img src=\"https://tracker.example/p.gif\"><script>alert(1)</script></p>",
        );
        assert!(!html.contains("3201"), "{html}");
        assert!(html.contains("?nik=****-****-****-****"), "{html}");
        assert!(
            !html.contains("<img") && !html.contains("<script"),
            "{html}"
        );
        assert!(
            !html.contains("onclick") && !html.contains("class="),
            "{html}"
        );
        assert!(
            html.contains("rel=\"nofollow noopener noreferrer ugc\""),
            "{html}"
        );
    }
}
