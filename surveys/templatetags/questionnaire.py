"""`{% question_markup question %}`: one question of the expert's page (surveys.expert.render)."""

from django import template
from django.utils.safestring import SafeString

from surveys.expert.render import PageWords, question_html
from surveys.expert.selectors import Question

register = template.Library()
WORDS_KEY = "questionnaire_page_words"


@register.simple_tag(takes_context=True)
def question_markup(context: template.Context, question: Question) -> SafeString:
    # The page's words are translated once per rendering, on its first question.
    words = context.render_context.get(WORDS_KEY)
    if words is None:
        q = context["q"]
        words = context.render_context[WORDS_KEY] = PageWords.of(
            readonly=q.readonly,
            previous_number=q.previous_number,
            reason_required=q.settings.reason_required,
        )
    return question_html(question, words)
