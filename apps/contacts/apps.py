from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save


class ContactsConfig(AppConfig):
    name = "apps.contacts"
    label = "contacts"

    def ready(self):
        # The office's volunteer list caches its figures per office; any save or
        # delete of a member or a profile, through whichever app, may change them.
        from apps.contacts import directory

        profile = self.get_model("VolunteerProfile")
        user = settings.AUTH_USER_MODEL
        post_save.connect(directory.on_user_saved, sender=user, dispatch_uid="offdir-user-saved")
        post_delete.connect(
            directory.on_user_deleted, sender=user, dispatch_uid="offdir-user-deleted"
        )
        post_save.connect(
            directory.on_profile_saved, sender=profile, dispatch_uid="offdir-profile-saved"
        )
        post_delete.connect(
            directory.on_profile_deleted, sender=profile, dispatch_uid="offdir-profile-deleted"
        )

        from apps.contacts import handlers

        handlers.register()
