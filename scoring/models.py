from django.db import models
from django.utils.translation import gettext_lazy as _


class ResultSnapshot(models.Model):
    """The `delphi-results/1` document of one round, as computed from one version of its answers."""

    round = models.OneToOneField("surveys.Round", on_delete=models.CASCADE, related_name="snapshot")
    answers_version = models.PositiveBigIntegerField()
    computed_at = models.DateTimeField()
    document = models.JSONField()

    class Meta:
        verbose_name = _("result snapshot")
        verbose_name_plural = _("result snapshots")

    def __str__(self) -> str:
        return f"{self.round} v{self.answers_version}"
