import tomllib

from clustering.cleaning import CleaningRules, clean_text, content_hash, html_text_and_title, normalize_text
from tests.conftest import ROOT, seed_articles


def rules() -> CleaningRules:
    return CleaningRules.from_dict(tomllib.loads((ROOT / "config" / "boilerplate.toml").read_text()))


def test_boilerplate_lines_and_blocks_are_removed():
    text = ("Officials said the bridge will close.\n\nAdvertisement:\n\nThe closure lasts a month.\n"
            "CLICK HERE TO GET THE HARBOR LEDGER APP\nYour support helps us to tell the story\n"
            "Please donate.\nYour support makes all the difference.\nRepairs start Monday.\n"
            "Jane Roe14 March 2026 08:30\nDear readers,\nWe need your money.")
    out = clean_text(text, rules())
    assert out.split("\n\n") == ["Officials said the bridge will close.", "The closure lasts a month.",
                                 "Repairs start Monday."]


def test_seed_appeals_bylines_and_promos_never_survive_cleaning():
    r = rules()
    texts = {a["id"]: clean_text(a["text"], r) for a in seed_articles()}
    assert "undesirable" not in texts["seed-03"] and "Dear readers" not in texts["seed-03"]
    assert "Your support" not in texts["seed-06"] and "Arpan Rai29 January" not in texts["seed-06"]
    assert "Support UP" not in texts["seed-02"] and "Advertisement" not in texts["seed-02"]
    assert "CLICK HERE" not in texts["seed-10"]
    # the outlets' own reporting stays
    assert "send people to take part" in texts["seed-03"]
    assert "Oscar Jenkins" in texts["seed-06"]


def test_normalisation_strips_controls_and_zero_width_but_keeps_rtl_text():
    assert normalize_text("a\u200bb\x07c  d\r\ne") == "abc d\ne"
    assert normalize_text("שלום עולם") == "שלום עולם"
    # a lost character glued to a name (basil-dev: "John ?McLaughlin") is dropped; questions stay
    assert normalize_text("run by John ?McLaughlin and \ufffdPat Caddell. Why? Nobody knows ?") == (
        "run by John McLaughlin and Pat Caddell. Why? Nobody knows ?")


def test_content_hash_ignores_case_spacing_and_punctuation():
    assert content_hash("Title", "Some  text, here.") == content_hash("title", "some text here")
    assert content_hash("Title", "Some text") != content_hash("Title", "Other text")


def test_html_goes_through_trafilatura():
    html = ("<html><head><title>Bridge to close for repairs</title></head><body><nav>Home | News</nav>"
            "<article><h1>Bridge to close</h1><p>" + "The council voted on Tuesday to close the old bridge. " * 6 +
            "</p><p>" + "Repairs will take a month, officials said. " * 6 + "</p></article>"
            "<script>alert(1)</script><footer>Copyright</footer></body></html>")
    text, title = html_text_and_title(html)
    assert "The council voted" in text and "alert(1)" not in text and "Home | News" not in text
    assert title.startswith("Bridge to close")  # the <h1> headline or the <title>


def test_a_reporters_sign_off_is_no_part_of_the_story():
    # the sign-off closing a Fox News article (basil-dev) was claimed as a fact Fox "alone reports"
    text = ("Police said the gunman acted alone.\n"
            "Jane Roe is a Reporter for Harbor Ledger. Follow her on Twitter at @janeroe.\n"
            "The Associated Press contributed to this report.\n"
            "John Doe is a reporter who covered the trial for a decade, his editor said.")
    out = clean_text(text, rules()).split("\n\n")
    assert out == ["Police said the gunman acted alone.",
                   "John Doe is a reporter who covered the trial for a decade, his editor said."]


def test_a_dated_correction_note_and_what_follows_it_are_cut():
    # basil-dev: after "Correction: December 1, 2010" a page appended unrelated news, which was
    # claimed as a fact the outlet alone reports
    text = ("The Senate voted on Tuesday.\nCorrection: December 1, 2010\nAn earlier version misstated a date.\n"
            "Senators Ann Poe and Bo Lin, critics of another policy, said on Sunday something else.")
    assert clean_text(text, rules()) == "The Senate voted on Tuesday."
    assert clean_text("Correction 1/28/25, 7:11 a.m. ET: This article has been updated.", rules()) == ""
    # a sentence that only starts with the word stays
    kept = "Correction officers walked out on Monday."
    assert clean_text(kept, rules()) == kept


def test_a_print_edition_note_is_no_part_of_the_story():
    # basil-dev: "A version of this article appears in print on October 12, 2012, on page A16 ..."
    # was claimed as a fact The New York Times alone reports
    text = ("Biden and Ryan debated on Thursday.\nA version of this article appears in print on October 12, 2012, "
            "on page A16 of the New York edition with the headline: Night of Ripostes.")
    assert clean_text(text, rules()) == "Biden and Ryan debated on Thursday."
