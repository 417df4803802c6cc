"""The questionnaire page: its structure, hooks, languages, anonymity and query count."""

import re

import pytest

from surveys.models import Panelist

from .builders import import_study, invitation_of, link, seed_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    return import_study(seed_bundle(experts=3, languages=["en", "zh-hans", None]))


def test_the_page_is_grouped_by_layer_and_factor_in_tree_order(client, study):
    q = client.get(link(study, "X01")).context["q"]
    assert [(s.layer, s.factor) for s in q.sections] == [
        ("Technology layer", "Basic research"),
        ("Technology layer", "Key technologies"),
        ("Technology layer", "Core algorithms"),
        ("Product layer", "Core hardware (intermediate products)"),
        ("Product layer", "Key products (final products)"),
        ("Environment layer", ""),
    ]
    assert [leaf.code for leaf in q.sections[-1].leaves] == ["E.MK", "E.PO"]
    assert sum(len(s.leaves) for s in q.sections) == 27


def test_familiarity_comes_first_on_every_leaf_that_asks_it(client, study):
    q = client.get(link(study, "X01")).context["q"]
    for leaf in q.leaves_by_code().values():
        measures = [question.measure for question in leaf.questions]
        if "familiarity" in measures:
            assert measures[0] == "familiarity"


def test_every_answer_control_carries_the_hooks(client, study):
    html = client.get(link(study, "X01")).content.decode()
    controls = re.findall(r"<(input|textarea)\b([^>]*)>", html)
    answering = [attrs for tag, attrs in controls if "data-node=" in attrs]
    # 25 fields with 5 radio questions of 5, 3, 5... choices, 7 products with stages, 2 comments.
    assert len(answering) > 500
    for attrs in answering:
        assert 'data-measure="' in attrs
    values = set(re.findall(r'type="(?:radio|checkbox)"[^>]*value="([^"]+)"', html))
    assert values == {
        "1",
        "2",
        "3",
        "4",
        "5",
        "achieved",
        "short",
        "medium",
        "long",
        "unpredictable",
        "yes",
        "no",
        "unsure",
        "rd",
        "production",
        "industrialization",
    }
    assert len(re.findall(r'<textarea[^>]*data-measure="comment"', html)) == 2
    assert html.count('data-action="next"') == 6
    assert html.count('data-action="submit"') == 1


def test_dont_know_is_offered_only_where_the_study_allows_it(client):
    study = import_study(seed_bundle(settings={"allow_dont_know": True}))
    html = client.get(link(study, "X01")).content.decode()
    assert 'value="dont_know" data-node="T.BR.1" data-measure="importance"' in html
    assert 'value="dont_know" data-node="E.MK"' not in html


def test_the_page_needs_no_external_resource_and_no_inline_script(client, study):
    html = client.get(link(study, "X01")).content.decode()
    for url in re.findall(r'(?:src|href)="([^"#]+)"', html):
        assert url.startswith("/"), url
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    for attrs, _body in scripts:
        assert "src=" in attrs or 'type="application/json"' in attrs
    assert "style=" not in html


def test_nothing_on_the_page_reveals_another_panelist(client, study):
    html = client.get(link(study, "X01")).content.decode()
    for other in Panelist.objects.exclude(external_id="X01"):
        for private in (other.name, other.email, other.affiliation, other.pseudonym):
            assert private not in html
    assert "E01" not in html  # not even the expert's own pseudonym, which analysts use


def test_the_experts_language_chooses_the_page_language(client, study):
    html = client.get(link(study, "X02")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "脑图谱构建" in html  # the leaf's Chinese name
    assert "您对该领域的熟悉程度如何？" in html


def test_the_browser_language_is_used_when_the_expert_has_none(client, study):
    html = client.get(link(study, "X03"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    html = client.get(link(study, "X03"), HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert '<html lang="en">' in html
    assert "Brain atlas construction" in html


def test_the_switch_on_the_page_wins_over_the_experts_language(client, study):
    path = link(study, "X02")
    response = client.post("/i18n/setlang/", {"language": "en", "next": path})
    assert response.status_code == 302 and response["Location"] == path
    html = client.get(path).content.decode()
    assert '<html lang="en">' in html
    assert "Brain atlas construction" in html


def test_the_page_reads_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    small = import_study(seed_bundle(slug="small", experts=1))
    small_bundle = seed_bundle(slug="tiny", experts=1)
    small_bundle["framework"] = small_bundle["framework"][:1]
    tiny = import_study(small_bundle)
    counts = []
    for study in (small, tiny):
        path = link(study, "X01")
        client.get(path)  # the first opening writes; count a later one
        with django_assert_max_num_queries(12) as captured:
            client.get(path)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_json_save_answers_in_the_experts_language(client, study):
    path = link(study, "X02")
    response = client.post("/q/unknown/answer", {"node": "x"}, content_type="application/json")
    assert response.status_code == 404
    response = client.post(path + "submit", HTTP_ACCEPT="application/json")
    problem = response.json()["problems"][0]
    assert problem["code"] == "nothing"
    assert problem["message"] != "nothing to submit yet"  # translated


def test_the_page_is_not_cached_and_not_indexed(client, study):
    response = client.get(link(study, "X01"))
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_the_opening_is_recorded_for_the_invitation(client, study):
    client.get(link(study, "X01"))
    assert invitation_of(study, "X01").opened_at is not None
    assert invitation_of(study, "X02").opened_at is None
