from django.contrib.auth.base_user import AbstractBaseUser
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


class SignedInPerson(AbstractBaseUser):
    """The same table as Django's own authentication reads it for the signed-in
    reference (/signed-in/): the columns AbstractBaseUser needs (password,
    last_login) and what the page shows."""

    email = models.CharField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)

    USERNAME_FIELD = "email"

    class Meta:
        managed = False
        db_table = "accounts_user"

    def __str__(self):
        return self.full_name
