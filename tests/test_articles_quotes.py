"""The quotes component: whom a quotation is attributed to. Every sentence here is written for the test."""

from __future__ import annotations

from loaders.articles import extract_text, text_source
from loaders.articles.gold import facts_to_gold


def _quotes(text: str) -> list[tuple[str, str]]:
    g = facts_to_gold(extract_text(text, text_source(text, title="t.txt")), "t.txt")
    return [(q["speaker"], " ".join(q["starts_with"].split()[:3])) for q in g["quotes"]]


def test_he_added_is_the_last_speaker() -> None:
    q = _quotes(
        "Chief Constable Alan Prestwick of Cumbria Constabulary dismissed PC Owen Threlfall at the hearing.\n"
        'Mr Prestwick said: "Honesty is the first duty of every officer."\n'
        "Mr Threlfall had been warned twice before.\n"
        '"The damage he has done will take years to repair," he added.\n'
    )
    assert ("Alan Prestwick", "The damage he") in q


def test_he_after_telling_someone_is_the_teller() -> None:
    q = _quotes(
        "Commissioner Rosalind Hawtree told BBC Radio Wessex's Martin Oddie that a report would be published.\n"
        'She said: "My job is to hold the force to account on behalf of the public."\n'
    )
    assert q == [("Rosalind Hawtree", "My job is")]


def test_a_possessor_is_not_the_speaker() -> None:
    q = _quotes(
        "PC Leon Garside of Cumbria Constabulary was dismissed.\n"
        'Mr Garside\'s solicitor said he had "acted in good faith throughout his service".\n'
    )
    assert not any(s == "Leon Garside" for s, _ in q)


def test_a_post_written_as_a_common_noun_speaks_through_its_holder() -> None:
    q = _quotes(
        "Police and Crime Commissioner Imogen Tarrant suspended the chief constable of Cumbria Constabulary.\n"
        'The police and crime commissioner added: "I have to act when the public expects it."\n'
    )
    assert ("Imogen Tarrant", "I have to") in q


def test_a_speaker_named_by_rank_and_last_name() -> None:
    q = _quotes(
        "Chief Constable Miriam Ashdown of Cumbria Constabulary will retire this year.\n"
        'Reflecting on her career, CC Ashdown said: "It has been a privilege to serve these communities."\n'
    )
    assert ("Miriam Ashdown", "It has been") in q


def test_a_quoted_subheading_is_not_a_quote() -> None:
    q = _quotes(
        "Judge Helena Marsh told the court the officer had lied.\n"
        "'Wholly dishonest account'\n"
        'She said: "His account was wholly dishonest from start to finish."\n'
    )
    assert [w for _, w in q] == ["His account was"]


def test_a_pronoun_later_in_the_sentence_gives_an_anonymised_officer_a_gender() -> None:
    q = _quotes(
        "Sergeant Colin Weatherby of Lancashire Constabulary was dismissed after a hearing.\n"
        "A former colleague, known only as Officer K, said he had reported the messages twice.\n"
        'He told the hearing Mr Weatherby had "made the whole shift afraid to speak up".\n'
    )
    assert ("Officer K", "made the whole") in q


def test_the_officer_said_is_the_officer_speaking() -> None:
    q = _quotes(
        "Sergeant Colin Weatherby of Lancashire Constabulary was dismissed after a hearing.\n"
        "A former colleague, known only as Officer K, gave evidence against him.\n"
        'Officer K said the messages were "sent every night for a month".\n'
        'The officer said: "I reported it twice and nothing happened."\n'
    )
    assert ("Officer K", "I reported it") in q


def test_a_question_closing_a_quotation_runs_on_to_its_speaker() -> None:
    q = _quotes(
        "Superintendent Hilary Brandreth of Durham Constabulary wrote to every officer.\n"
        'In a section headed "Why Do We Stop People?" Ms Brandreth wrote, "Every stop must have a reason."\n'
    )
    assert ("Hilary Brandreth", "Why Do We") in q and ("Hilary Brandreth", "Every stop must") in q


def test_a_report_nobody_wrote_speaks_for_the_oversight_body() -> None:
    q = _quotes(
        "The Police Ombudsman for Northern Ireland has criticised the Police Service of Northern Ireland.\n"
        'The report said: "Officers did not record the complaint for eleven weeks."\n'
    )
    assert q == [("Police Ombudsman for Northern Ireland", "Officers did not")]


def test_a_short_word_before_a_named_persons_surname_is_not_another_person() -> None:
    text = (
        "Former constable Gareth Pryddech of Dyfed-Powys Police resigned before the hearing.\n"
        'Interviewed by the force, Pr Pryddech said he had been "too frightened to say anything".\n'
    )
    f = extract_text(text, text_source(text, title="t.txt"))
    assert not any(e.name.startswith("Pr ") for e in f.entities)
    assert ("Gareth Pryddech", "too frightened to") in _quotes(text)
    # a short first name the name list lacks is still a first name: two people, not one
    sister = text + 'Abi Pryddech, his sister, said: "He is innocent."\n'
    g = extract_text(sister, text_source(sister, title="t.txt"))
    assert {"Abi Pryddech", "Gareth Pryddech"} <= {e.name for e in g.entities}


def test_a_rank_without_a_name_is_the_officer_of_that_rank() -> None:
    q = _quotes(
        "Chief Constable Miriam Oakworth of Cumbria Constabulary chaired the hearing into PC Dale Fennick.\n"
        'The Chief Constable said Mr Fennick had given "accounts that could not both be true".\n'
    )
    assert q == [("Miriam Oakworth", "accounts that could")]


def test_a_person_inside_the_reported_clause_is_not_the_speaker() -> None:
    q = _quotes(
        "PC Dale Fennick of Cumbria Constabulary was dismissed.\n"
        'The panel said Mr Fennick had shown "a settled disregard for the truth".\n'
    )
    assert not any(s == "Dale Fennick" for s, _ in q)


def test_a_police_spokesman_speaks_for_the_force() -> None:
    q = _quotes(
        "Lincolnshire Police dealt with 412 complaints last year.\n"
        'A police spokesman said: "Every complaint is recorded and assessed."\n'
    )
    # (the KB's speaker is "a spokesperson for Lincolnshire Police": see the annotation-view test below)
    assert q == [("Lincolnshire Police", "Every complaint is")]


def test_a_rating_is_the_raters_words_not_the_rated_forces() -> None:
    first = "Lincolnshire Police dealt with 412 complaints last year.\n"
    q = _quotes(first + 'HM Inspectorate of Constabulary rates the force as "adequate" in how it handles complaints.\n')
    assert q == [("HM Inspectorate of Constabulary and Fire & Rescue Services", "adequate")]
    q = _quotes(first + 'An inspection body rates the force as "adequate" in how it handles complaints.\n')
    assert not any(s == "Lincolnshire Police" for s, _ in q)


def test_a_caption_does_not_change_who_he_is() -> None:
    q = _quotes(
        "PC Dale Fennick of Cumbria Constabulary told the court about his family.\n"
        "Mr Fennick said he had joined the force at 22.\n"
        "Trevor Wainhouse, who was restrained during the arrest, died in hospital days later\n"
        'He said: "My father was a nurse and my mother a teacher."\n'
    )
    assert q == [("Dale Fennick", "My father was")]


def test_one_quoted_word_is_a_label_unless_someone_called_it_that() -> None:
    first = "Chief Constable Miriam Oakworth of Cumbria Constabulary chaired the hearing.\n"
    assert _quotes(first + 'Ms Oakworth said the conduct had been "disgraceful".\n') == []
    called = _quotes(first + 'Ms Oakworth described the conduct as "disgraceful".\n')
    assert called == [("Miriam Oakworth", "disgraceful")]


def test_a_phrase_quoted_in_a_plain_statement_has_no_speaker() -> None:
    q = _quotes('A Cumbria Constabulary officer who "shared offensive images" with colleagues has been dismissed.\n')
    assert q == []


def test_a_colon_introduces_speech_without_a_reporting_verb() -> None:
    q = _quotes(
        "PC Dale Fennick of Cumbria Constabulary began collecting statements from neighbours:\n"
        '"Nobody wanted to give evidence until they saw the footage."\n'
    )
    assert q == [("Dale Fennick", "Nobody wanted to")]


def test_a_quoted_paragraph_after_reported_speech_is_the_reporters() -> None:
    q = _quotes(
        "Chief Constable Miriam Oakworth of Cumbria Constabulary said PC Dale Fennick had let the public down.\n"
        '"We will not tolerate dishonesty in this force."\n'
    )
    assert q == [("Miriam Oakworth", "We will not")]


def test_the_latest_reporter_takes_the_next_quoted_paragraph() -> None:
    q = _quotes(
        'Superintendent Hilary Brandreth of Durham Constabulary said: "We take this extremely seriously."\n'
        "The Independent Office for Police Conduct said its investigation was continuing.\n"
        '"We ask anyone who saw the arrest to contact us."\n'
    )
    assert ("Independent Office for Police Conduct", "We ask anyone") in q


def test_an_honorific_and_surname_with_no_full_name_is_a_person_who_can_speak() -> None:
    q = _quotes('Ms Quarrie, who was arrested in 2019, told the hearing: "I was terrified."\n')
    assert q == [("Ms Quarrie", "I was terrified.")]


def test_a_named_spokesperson_speaks_in_person() -> None:
    q = _quotes(
        "Cumbria Constabulary recorded 40 complaints.\n\n"
        "He added that every allegation was assessed by an independent panel.\n\n"
        "Campaigners say the numbers are just the start. Ruth Evans, a spokesperson for Safe To Speak, said victims "
        'stayed silent because "the person they would tell is a colleague of their abuser".\n'
    )
    assert q == [("Ruth Evans", "the person they")]


def test_a_quotation_broken_by_its_attribution_is_one_quotation() -> None:
    text = (
        "PC Ann Tolley of Cumbria Constabulary spoke after the hearing.\n"
        '"We did everything we could," she said. "I am proud of the whole team."\n'
    )
    f = extract_text(text, text_source(text, title="t.txt"))
    quotes = [e for e in f.entities if e.type == "Quote"]
    assert len(quotes) == 1
    assert quotes[0].props["text"] == "We did everything we could, I am proud of the whole team."
    assert _quotes(text) == [("Ann Tolley", "We did everything")]


def test_an_unnamed_spokespersons_words_are_the_organisations_in_the_annotation_view() -> None:
    """The KB keeps "a spokesperson for X" (a person holding that post); the annotation format, whose
    convention gives an unnamed spokesperson's words to the organisation, shows X as the speaker."""
    text = (
        "Lincolnshire Police dealt with 412 complaints last year.\n"
        'A police spokesman said: "Every complaint is recorded and assessed."\n'
        'Ruth Evans, a spokesperson for Safe To Speak, said: "The numbers are only the start."\n'
    )
    facts = extract_text(text, text_source(text, title="t.txt"))
    people = {e.name for e in facts.entities if e.props.get("role") == "spokesperson"}
    assert "a spokesperson for Lincolnshire Police" in people
    view = {(q["speaker"], q["organisation"]) for q in facts_to_gold(facts, "t.txt")["quotes"]}
    assert ("Lincolnshire Police", "Lincolnshire Police") in view
    assert any(s == "Ruth Evans" for s, _ in view)  # a named spokesperson stays the speaker
