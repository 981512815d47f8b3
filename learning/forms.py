from django import forms

from core.once import OnceForm
from learning.models import Module


class QuizForm(OnceForm):
    """A module's quiz: one set of radio buttons per question (fields ``q<id>``)."""

    def __init__(self, *args, module: Module, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.module = module
        for number, question in enumerate(questions, start=1):
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=f"{number}. {question.text}", widget=forms.RadioSelect, coerce=int,
                choices=[(c.pk, c.text) for c in question.choices.all()],
                error_messages={"required": "Choose an answer.",
                                "invalid_choice": "Choose one of the answers shown."})

    def answers(self) -> dict[int, int]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()
                if name.startswith("q")}
