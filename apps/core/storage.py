from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage (hashed names from the manifest, compressed copies), each
    file's URL kept once worked out. Every page asks for seven or more
    (`{% static %}`), and each was a manifest lookup, a URL split and join, and
    quoting: some 20 µs apiece. The manifest is read once when the process starts,
    so a name's URL cannot change under it; only collectstatic run in this process
    replaces the manifest, and it empties what is kept."""

    # Names come from templates, a few dozen; the bound is against a name built
    # from input.
    urls_kept = 512

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force or settings.DEBUG:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = super().url(name)
            if len(self._urls) < self.urls_kept:
                self._urls[name] = url
        return url

    def post_process(self, *args, **kwargs):
        self._urls.clear()
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
