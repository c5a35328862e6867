"""Attribution: reporting verbs by class, hedges and scare quotes, own voice only."""
from __future__ import annotations

from clustering.compare import CompareParams
from tests.test_compare_helpers import DOCK_STRIKE, article, compare, hashing_embed, outlet


def test_contested_verbs_and_hedges_with_evidence():
    result = compare(DOCK_STRIKE, hashing_embed)
    herald = outlet(result, "Harbour Herald")["attribution"]
    assert herald["by_class"]["contested"] == {"claimed": 1}
    (ev,) = herald["contested"]
    assert ev["verb"] == "claimed" and ev["text"].startswith("Union leader Piotr Lind claimed")
    assert [h["hedge"] for h in herald["hedges"]] == ["reportedly"]
    wire = outlet(result, "Coastal Wire")["attribution"]
    assert wire["by_class"]["contested"] == {"insisted": 1}
    # "so-called" introduces a familiar term: a label, not the writer's doubt
    assert "so-called" not in [h["hedge"] for h in wire["hedges"]]
    daily = outlet(result, "Valdria Daily")["attribution"]
    assert daily["by_class"]["contested"] == {} and daily["verbs"]["said"] >= 2


def test_scare_quotes_single_word_in_headline_and_body():
    result = compare(DOCK_STRIKE, hashing_embed)
    herald = outlet(result, "Harbour Herald")["attribution"]
    # "as Mayor Kovač rejects ‘illegal’ walkout": the mayor named beside it (and saying the
    # strike was illegal in the body) may own the word, so it is not the outlet's distancing
    assert herald["scare_quotes"] == []
    assert [(s["text"], s["field"]) for s in herald["scare_quotes_unclear"]] == [("illegal", "title")]
    daily = outlet(result, "Valdria Daily")["attribution"]["scare_quotes"]
    assert [(s["text"], s["field"], s["verb"]) for s in daily] == [("illegal", "text", "called")]


def test_a_phrase_quoted_again_for_the_same_speaker_is_one_finding():
    """The headline's “killer” and the body's “killer”, both the president's word, are one
    scare-quote finding with both places as evidence; the same word given to someone else stays
    a finding of its own."""
    from clustering.compare.claims import build_claims

    arts = [article(1, "A", "Kovač calls strike leaders ‘saboteurs’ as talks fail",
                    "Mayor Elena Kovač on Monday called the strike leaders “saboteurs” after talks failed.\n\n"
                    "Union chief Piotr Lind said the mayor's critics were the real “saboteurs” of the port.")]
    result = compare(arts, hashing_embed)
    att = outlet(result, "A")["attribution"]["scare_quotes"]
    mayor = [s for s in att if s["text"].strip(".,") == "saboteurs" and "Lind" not in (s.get("attributed_to") or "")]
    assert len(mayor) == 1, att
    places = [(mayor[0]["field"], mayor[0]["start"])] + [(p["field"], p["start"]) for p in mayor[0].get("also_at", [])]
    assert len(places) == 2 and {f for f, _ in places} == {"title", "text"}
    for p in [mayor[0], *mayor[0].get("also_at", [])]:
        assert arts[0].field_text(p["field"])[p["start"]:p["end"]] == p["text"]
    claims = [c for c in build_claims(result)["claims"] if c["kind"] == "scare_quote"
              and "saboteurs" in c["statement"] and "Lind" not in c["statement"]]
    assert len(claims) == 1 and len(claims[0]["evidence"]) == 2


def test_a_quotation_cut_off_by_the_excerpt_is_no_scare_quote():
    """‘called on Americans "to...’ where an excerpt stops opens a longer quotation: the one
    word before the cut is nobody's phrase to claim; a closed phrase of the same speaker is."""
    att = outlet(compare([article(1, "A", "Port plan", "Mayor Elena Kovač called the plan “reckless” on Monday.\n\n"
                                  "On Tuesday, Kovač issued a proclamation in which she called on residents \"to...")],
                         hashing_embed), "A")["attribution"]
    assert [s["text"].strip(".,") for s in att["scare_quotes"]] == ["reckless"]
    assert any(s.get("withheld") == "unclosed" and s["text"].startswith("to") for s in att["scare_quotes_unclear"])


def test_verbs_and_hedges_inside_quotations_are_the_speakers():
    arts = [
        article(1, "A", "Port row", "“They claimed it was allegedly safe,” the mayor said."),
        article(2, "B", "Port row", "The mayor claimed the port was safe. The cargo was allegedly unsafe."),
    ]
    result = compare(arts, hashing_embed)
    a = outlet(result, "A")["attribution"]
    b = outlet(result, "B")["attribution"]
    assert a["by_class"]["contested"] == {} and a["hedges"] == []
    assert b["by_class"]["contested"] == {"claimed": 1} and [h["hedge"] for h in b["hedges"]] == ["allegedly"]


def test_ordinary_verbs_are_not_reporting_verbs():
    arts = [article(1, "A", "Troops", "Troops continue to advance, and officers added two checkpoints.")]
    result = compare(arts, hashing_embed)
    assert outlet(result, "A")["attribution"]["verbs"] == {}


def test_a_hedge_inside_reported_speech_is_the_speakers():
    arts = [
        article(1, "A", "Flynn row", "He also said the agents seemed to think Flynn was confused."),
        article(2, "B", "Flynn row", "The agents seemed to think Flynn was confused, according to notes."),
    ]
    result = compare(arts, hashing_embed)
    assert outlet(result, "A")["attribution"]["hedges"] == []
    assert [h["hedge"] for h in outlet(result, "B")["attribution"]["hedges"]] == ["seemed to"]


def test_a_neutral_label_in_quotation_marks_is_no_distancing():
    arts = [
        article(1, "A", "Tax rule", "Couples may now choose the status “married filing jointly” on returns. "
                "Critics dismissed the rule as a fix, and officials described the ruling as “Bridgegate”."),
    ]
    result = compare(arts, hashing_embed)
    att = outlet(result, "A")["attribution"]
    assert "married filing jointly" not in [s["text"] for s in att["scare_quotes"]]
    assert any(s.get("label_term") and s["text"] == "married filing jointly" for s in att["scare_quotes_unclear"])


def _scare(text: str) -> list[tuple[str, str | None]]:
    # own-distancing claims switched on: these tests check who a phrase is given to, or that it
    # is nobody's (the product withholds own distancing by default)
    result = compare([article(1, "A", "Senate row", text)], hashing_embed, CompareParams(claim_own_distancing=True))
    return [(s["text"].strip(".,"), s.get("attributed_to")) for s in outlet(result, "A")["attribution"]["scare_quotes"]]


def test_a_name_for_something_is_nobodys_words():
    said = _scare("Senator Ada Brook confirmed on Wednesday that her party will use what’s known as the “nuclear option” "
                  "to change the rules.")
    assert "nuclear option" not in [w for w, _ in said]


def test_a_speech_verb_must_hold_the_phrase_in_its_clause():
    said = _scare("A gang is suspected to be behind a “colossal” attack on harbour systems, weeks after President "
                  "Ivo Marek boasted about his cyber defences.")
    assert ("colossal", "Ivo Marek") not in said and "colossal" not in [w for w, _ in said]


def test_a_subject_borrowed_through_someone_elses_clause_is_no_speaker():
    said = _scare("The Daily Courier reports Anna Berg on Friday first set out her position, saying it should be "
                  "for voters, not a matter for “judges” at all.")
    assert ("judges", "The Daily Courier") not in said


def test_an_attack_on_someone_gives_the_words_to_the_attacker():
    said = _scare("Rep. Tom Conaway attacked the chairman for “undermining the faith” of the voters.")
    assert ("undermining the faith", "Tom Conaway") in said or ("undermining the faith", "Rep. Tom Conaway") in said


def test_a_word_inside_someone_elses_long_quotation_is_not_theirs():
    said = _scare("“We take issue with the party's tolerance for bigoted statements,” the union president Lena Kos "
                  "said.\n\nA rival group condemned the union for reducing itself to a “bigoted” shell.")
    assert ("bigoted", "Lena Kos") not in said and ("bigoted", "the union president Lena Kos") not in said


# --- round 7 (unseen development stories, engine compare-13) ---------------------------------

def test_a_word_in_an_opening_clause_is_not_the_aside_speakers():
    # AllSides: "As the television ... flashed three “guilty” counts, the room was overcome with a
    # “sweeping sense of relief,” an aide said" gave "guilty" to the aide
    said = _scare("As the large television on the north wall flashed three “guilty” counts, the room was overcome "
                  "with a “sweeping sense of relief,” an aide said.")
    assert "guilty" not in [w for w, _ in said]


def test_keeping_a_position_is_no_distancing_verb():
    # basil-dev: "he maintains his opposition to it" was claimed as the outlet's distancing verb
    arts = [article(1, "A", "Marriage row", "Romney said Wednesday he maintains his opposition to same-sex marriage -- "
                                            "the same position he has had since he “started running for office”."),
            article(2, "B", "Marriage row", "Romney maintained that the court had erred in its ruling.")]
    result = compare(arts, hashing_embed)
    assert outlet(result, "A")["attribution"]["by_class"]["contested"] == {}
    assert outlet(result, "B")["attribution"]["by_class"]["contested"] == {"maintained": 1}


# --- round 8 (unseen development stories, engine compare-14) ---------------------------------

def test_words_someone_refused_or_avoided_are_not_theirs():
    # basil-dev: "radical Islam" given to Obama, who "refuses to describe" groups so and "refused
    # to say the words"; "the name 'tea party' or 'patriot'" called the outlet's own distancing
    for text in ("Obama last year explained that he refuses to describe the Islamic State as groups fueled by "
                 "“radical Islam” because the term grants them legitimacy.",
                 "Trump demanded that Mr. Obama resign because he refused to say the words “radical Islam”.",
                 "Trump ripped Obama and Clinton for avoiding the term “radical Islam” in their remarks."):
        assert "radical Islam" not in [w for w, _ in _scare(text)], text
    said = _scare("The agency flagged groups with the name 'tea party' or 'patriot' in their applications.")
    assert said == []


def test_a_scare_quote_needs_a_named_or_titled_speaker():
    # basil-dev: "spill the beans" was given to "a post from someone" (and, in the outlet's text,
    # to the wife it was threatened against)
    said = _scare("But Mr. Trump has continued to express disbelief. After threatening to “spill the beans” on "
                  "Mr. Cruz’s wife, Heidi Cruz, who suffered a bout of depression years ago, he retweeted a post "
                  "from someone who made a comparison.")
    assert not any(w == "spill the beans" and s and ("post" in s or "Cruz" in s) for w, s in said), said


def test_insisting_on_a_demand_is_no_distancing_verb():
    # basil-dev: "Republicans have been insisting that the Obama administration agree to ..." and
    # "that they insist upon as a condition" were claimed as the outlet's doubt
    for text, contested in (("Republicans have been insisting that the Obama administration agree to cuts.", {}),
                            ("These are the tax cuts that they insist upon as a condition of their support.", {}),
                            ("Republicans insisted that the cuts had worked.", {"insisted": 1})):
        result = compare([article(1, "A", "Budget row", text)], hashing_embed)
        assert outlet(result, "A")["attribution"]["by_class"]["contested"] == contested, text


# --- round 9 (unseen development stories, engine compare-15) ---------------------------------

def test_a_phrase_two_speakers_hold_is_neither_ones():
    # basil-dev: "Ryan says this is to preserve Medicare, not “end” it, as Obama’s campaign claims"
    # gave "end" to Ryan; "Gowdy asked that Clinton agree to a “transcribed” interview" to Clinton
    assert _scare("Ryan says this is to preserve Medicare, not “end” it, as Obama’s campaign claims.") == []
    assert _scare("Rep. Trey Gowdy made the request in a letter. Gowdy asked that Clinton agree to a “transcribed” "
                  "interview.") == []
    # one speaker's own aside still gives the words
    assert [w for w, _ in _scare("The plan is “reckless,” as Senator Ann Poe says.")] == ["reckless"]


def test_asserting_oneself_is_no_distancing_verb():
    # basil-dev: "America asserted itself more aggressively" was claimed as the outlet's doubt
    arts = [article(1, "A", "Doctrine", "Under that doctrine America asserted itself more aggressively abroad."),
            article(2, "B", "Doctrine", "Rubio asserted that the doctrine had failed.")]
    result = compare(arts, hashing_embed)
    assert outlet(result, "A")["attribution"]["by_class"]["contested"] == {}
    assert outlet(result, "B")["attribution"]["by_class"]["contested"] == {"asserted": 1}


def test_a_phrase_an_unnamed_speaker_also_holds_is_not_the_named_ones():
    # AllSides (last check, compare-18): "what the union's executive called a “hijacking” and the
    # US state department said was “a shocking act”" gave "hijacking" to the state department
    said = _scare("EU leaders are due to discuss their response to what the union's executive called a "
                  "“hijacking” and the US state department said was “a shocking act”.")
    assert ("hijacking", "the US state department") not in said
    assert ("a shocking act", "the US state department") in said


def test_a_pronoun_with_another_person_between_is_not_the_earlier_subject():
    # "she" may be the reporter named in between, not the man who is the sentence's subject
    said = _scare("Mayor Ivo Marek snapped at a reporter on Friday after she asked why he was “optimistic” about the "
                  "harbour deal.")
    assert ("optimistic", "Mayor Ivo Marek") not in said and ("optimistic", "Ivo Marek") not in said
    # with nobody in between the pronoun is still the subject ("whom he described as ...")
    said = _scare("Mayor Ivo Marek said he would not meet Anna Berg, whom he described as “reckless.”")
    assert [w for w, who in said if who and "Marek" in who] == ["reckless"]


def test_a_question_put_to_someone_is_not_their_words():
    # "Asked whether ... “reckless,” X said": the word is the questioner's, not the one asked
    said = _scare("Asked whether the harbour plan was “reckless,” Senator Ada Brook said she would not comment.")
    assert "reckless" not in [w for w, who in said if who]
    said = _scare("Asked by a reporter if the deal was “dead,” Senator Ada Brook shook her head and said no.")
    assert "dead" not in [w for w, who in said if who]


def test_contending_with_something_and_jobless_claims_are_no_distancing_verbs():
    arts = [
        article(1, "A", "Dockworkers contending with low pay: reports",
                "As Mayor Ivo Marek contends with a budget gap, the harbour strike drags on. The port reopened as "
                "initial unemployment claims through state programs dropped to 44,000 last week. The development came as "
                "initial unemployment claims through regular state programs dropped to 444,000 last week."),
        article(2, "B", "Port row", "The strike is illegal, Mayor Ivo Marek contends. Union leader Piotr Lind claimed "
                "the port was safe."),
    ]
    result = compare(arts, hashing_embed)
    assert outlet(result, "A")["attribution"]["by_class"]["contested"] == {}
    assert outlet(result, "B")["attribution"]["by_class"]["contested"] == {"contended": 1, "claimed": 1}


def test_a_participle_on_a_person_gives_the_words_to_that_person():
    # "X quoted an official saying ... “big mistake”": the official speaks, not X
    said = _scare("As the strike spread last spring, the Harbour Gazette quoted a senior port official saying that the "
                  "city was making a “grave error” by closing the docks.")
    assert not [who for w, who in said if w == "grave error" and who and "Gazette" in who]
    # a statement's issuer still speaks through it
    said = _scare("Senator Ada Brook issued a statement saying the closure was a “grave error” for the city.")
    assert [who for w, who in said if w == "grave error"] == ["Senator Ada Brook"]


def test_a_word_in_a_clause_with_its_own_subject_is_not_the_speakers_for_certain():
    # "Republicans said tax hikes are a “red line” after President Biden hosted them ... to forge
    # “consensus”": "consensus" lies in what Biden did; the word may be his, not theirs
    said = _scare("The two top congressional Republicans said Wednesday that tax hikes are a “red line” in negotiations "
                  "after Mayor Kovač hosted them at the town hall for the first time to try to forge “consensus” on "
                  "massive port spending.")
    assert ("red line", "The two top congressional Republicans") in said
    assert not [who for w, who in said if w == "consensus"]
    # a condition is part of the speaker's argument: "X insisted the war could end if the Kremlin
    # committed to “real peace”" keeps X as the one who says it
    said = _scare("Mayor Elena Kovač insisted the strike could end if the port owners committed to “real talks” soon.")
    assert [who for w, who in said if w == "real talks"] == ["Mayor Elena Kovač"]


def test_a_suit_claiming_something_is_its_legal_claim():
    arts = [article(1, "A", "Port row", "Former dockers sued the port authority in 2019, claiming that its pay rules "
                    "violated labour laws."),
            article(2, "B", "Port row", "Union leader Piotr Lind claimed the port was safe.")]
    result = compare(arts, hashing_embed)
    assert outlet(result, "A")["attribution"]["by_class"]["contested"] == {}
    assert outlet(result, "B")["attribution"]["by_class"]["contested"] == {"claimed": 1}


def test_a_participle_hung_on_the_suit_states_its_claim():
    # "The lawsuit will be a class-action, with X as the lead plaintiff, claiming that ...": the
    # participle has no subject of its own; the clause it hangs on is the suit's
    arts = [article(1, "A", "Port row", "The lawsuit will be a class action, with the dockers' union as the lead "
                    "plaintiff, claiming that its members were underpaid by the port."),
            article(2, "B", "Port row", "The port's director spoke on Monday, claiming that the dockers were overpaid."),
            article(3, "C", "Port row", "The Labour Department announced Monday that it is investigating five ports, "
                    "claiming the rules discriminate against older dockers.")]
    result = compare(arts, hashing_embed)
    assert outlet(result, "A")["attribution"]["by_class"]["contested"] == {}
    assert sum(outlet(result, "B")["attribution"]["by_class"]["contested"].values()) == 1
    # an agency's "it" above the participle is no suit: its claim stays reported at a distance
    assert sum(outlet(result, "C")["attribution"]["by_class"]["contested"].values()) == 1


def test_the_accused_does_not_say_the_words_of_the_accusation():
    # "FBI accused of running 'fake tip line'": the headline's passive; the accusers' words
    result = compare([article(1, "A", "Port Authority accused of running 'fake tip line' during strike inquiry",
                              "Seven senators demanded the port explain its tip line during the strike inquiry.")],
                     hashing_embed, CompareParams(claim_own_distancing=True))
    assert not [s for s in outlet(result, "A")["attribution"]["scare_quotes"] if s["attributed_to"]]
    said = _scare("The harbour police were accused of running a “fake tip line” during the strike inquiry.")
    assert not [who for w, who in said if w == "fake tip line" and who]


def test_a_headlines_jobless_claims_is_a_noun():
    arts = [article(1, "A", "Jobless Claims Dip to 412,000 as Harbour Reopening Continues",
                    "Fewer people filed for benefits last week."),
            article(3, "C", "U.S. Jobless Claims Dip Below 380,000 for Second Week in Harbour Towns",
                    "Fewer people filed for benefits last week."),
            article(2, "B", "Port row", "Union leader Piotr Lind claimed the port was safe.")]
    result = compare(arts, hashing_embed)
    assert outlet(result, "A")["attribution"]["by_class"]["contested"] == {}
    assert outlet(result, "C")["attribution"]["by_class"]["contested"] == {}  # "Jobless" hung on "Claims"


def test_claims_with_no_subject_or_nothing_attached_is_a_noun():
    # the tagger reads the plural noun as a verb: a finite verb that claims has a subject, and
    # something is claimed; "over mask claims" and "said claims that ... were false" have neither
    arts = [article(1, "A", "Emails show harbour board response to Marek dock fraud claims",
                    "The former Texas governor said claims that port activists judge people by the color of their "
                    "skin were false. The former Texas governor said claims that port activists \"judge people by "
                    "the color of their skin\" were false and appalling."),
            article(2, "B", "Port row", "Union leader Piotr Lind claims the port is safe. Marek denied the report and "
                    "claimed that it was fake. The mayor, who claims he was misquoted, resigned.")]
    result = compare(arts, hashing_embed)
    assert outlet(result, "A")["attribution"]["by_class"]["contested"] == {}
    assert outlet(result, "B")["attribution"]["by_class"]["contested"] == {"claimed": 3}


def test_alleged_before_a_noun_is_a_hedge_not_a_distancing_verb():
    arts = [article(1, "A", "Port row", "The harbour board released its report on alleged harassment by Mayor Ivo Marek. "
                    "Prosecutors alleged that the mayor lied to the board."),
            article(2, "B", "Port row", "Union leader Piotr Lind said the port was safe.")]
    result = compare(arts, hashing_embed)
    att = outlet(result, "A")["attribution"]
    assert att["by_class"]["contested"] == {"alleged": 1}
    assert [c["verb"] for c in att["contested"]] == ["alleged"] and "Prosecutors" in att["contested"][0]["text"]
    assert [h["hedge"] for h in att["hedges"]] == ["alleged"] and "report" in att["hedges"][0]["text"]


def test_a_clause_joined_with_and_or_an_owner_keeps_the_words_from_the_speaker():
    # a second clause with a subject of its own is not what the speech verb reports
    said = _scare("Mayor Elena Kovač tweeted about her opposition to the ferry line, and the harbour bar The Anchor "
                  "introduced a “Ferry-for-All” sandwich as a protest against the line.")
    assert not [who for w, who in said if w == "Ferry-for-All"], said
    # the phrase names a thing of someone else's: the owner's words, not the speaker's
    said = _scare("Mayor Elena Kovač Says Piotr Lind's ‘Scoundrels’ Comment Was No Worse Than the Owners'")
    assert not [who for w, who in said if w == "Scoundrels" and who and "Kovač" in who], said
    # but a name the speaker gives to someone's thing is the speaker's word
    said = _scare("Mayor Elena Kovač swiftly branded Piotr Lind’s comments “disappointing” and left the hall.")
    assert [who for w, who in said if w == "disappointing"] == ["Mayor Elena Kovač"], said
    said = _scare("Speaking at the port, Mayor Elena Kovač hailed what she called Harbour Board Members' “full forensic "
                  "audit” of the accounts.")
    assert [who for w, who in said if w == "full forensic audit"] == ["Elena Kovač"], said


def test_a_surname_that_mr_and_mrs_share_gives_no_speaker():
    # "Mr. Lind" and "Mrs. Lind" are a couple: the surname is two people's, so a phrase the
    # sentence gives to "Mrs. Lind" (the only surname in it) is nobody's for certain
    said = _scare("Mr. Lind has no tie to the group, and he has denounced the ad. But Mr. Marek has continued to express "
                  "disbelief. After threatening to “spill the beans” on Mr. Lind’s wife, Ada Lind, who suffered a bout "
                  "of depression years ago, he retweeted a post from someone who made a side-by-side photo comparison "
                  "of Mrs. Lind at an unflattering angle, and Mrs. Marek.")
    assert not [who for w, who in said if w == "spill the beans"], said


def test_what_a_speaker_responds_to_is_not_their_words():
    # the phrase is in the criticism or the request responded to
    said = _scare("Responding to union criticisms of the port board's planned “door-to-door” campaign to reach idle "
                  "dockers, Kovač told the radio the board has had to “spend millions to keep the port alive.”")
    assert not [who for w, who in said if w == "door-to-door"], said
    said = _scare("The statement came after Lind responded to a request from a dozen harbour councillors to “clarify” "
                  "what he meant in his remarks.")
    assert not [who for w, who in said if w == "clarify"], said
