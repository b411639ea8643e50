from django.db import models


class Person(models.Model):
    """A read-only view of Fieldnotes' user table: the row the reference page reads."""

    email = models.CharField(max_length=254)
    full_name = models.CharField(max_length=150)

    class Meta:
        managed = False
        db_table = "accounts_user"

    def __str__(self):
        return self.full_name
